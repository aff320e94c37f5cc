"""Seed the demo: three users with fresh passwords and a replay league they can play at once."""
import json
import os
import secrets
from pathlib import Path

from sqlalchemy import func, select

from fantasy.auth import service as accounts
from fantasy.auth.models import User
from fantasy.errors import Conflict
from fantasy.extensions import db
from fantasy.f1data.models import Race, SessionKind, SessionResult
from fantasy.leagues import service as leagues
from fantasy.leagues.models import League

DEMO_USERS = ("demo_owner", "demo_alice", "demo_bob")
LEAGUE_NAME = "Demo Replay League"
CREDENTIALS_FILE = "demo-credentials.json"


def _replay_season() -> int:
    """The stored season with the most race classifications: the one a replay can play furthest."""
    season = db.session.scalar(
        select(Race.season_year)
        .join(SessionResult, (SessionResult.race_id == Race.id) & (SessionResult.session == SessionKind.race))
        .group_by(Race.season_year)
        .order_by(func.count(func.distinct(Race.id)).desc(), Race.season_year.desc())
        .limit(1)
    )
    if season is None:
        raise Conflict("No F1 results are stored yet: run `flask f1 bootstrap` first")
    return season


def seed(instance_path: str) -> dict:
    """Create the demo once; later calls return what was created (passwords are kept only in the
    instance folder's credentials file, readable by its owner alone)."""
    path = Path(instance_path) / CREDENTIALS_FILE
    if db.session.scalar(select(League.id).where(League.name == LEAGUE_NAME)) is not None:
        return {"created": False, **(json.loads(path.read_text()) if path.exists() else {})}
    if db.session.scalar(select(User.id).where(User.username_key.in_(DEMO_USERS))) is not None:
        raise Conflict("Demo usernames are taken but the demo league is missing: remove those users first")
    season = _replay_season()
    passwords = {username: secrets.token_urlsafe(12) for username in DEMO_USERS}
    users = {name: accounts.register(name, f"{name}@demo.invalid", password) for name, password in passwords.items()}
    owner = users[DEMO_USERS[0]]
    league = leagues.create_league(owner, {
        "name": LEAGUE_NAME, "season": season, "mode": "replay", "max_teams": 6, "visibility": "public",
        "description": f"A replay of the {season} season: open a round, pick in turns, lock it to score it.",
        "team_name": "Owner Racing",
    })
    for name in DEMO_USERS[1:]:
        leagues.join_by_code(league["invite_code"], users[name], f"{name.split('_')[1].title()} Racing")
    details = {"league_id": league["id"], "season": season,
               "users": [{"username": name, "password": password} for name, password in passwords.items()]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(details, indent=2))
    os.chmod(path, 0o600)
    return {"created": True, **details}
