"""Seed the demo: three users with fresh passwords, a replay draft league and a replay salary-cap league
(salary_cap.py) with their first rounds played, so a newcomer finds standings, score breakdowns and
notifications, and plays on from the next round."""
import json
import os
import random
import secrets
from pathlib import Path

from sqlalchemy import func, select

from fantasy.auth import service as accounts
from fantasy.auth.models import User
from fantasy.demo import salary_cap
from fantasy.drafts import lifecycle, picking, reads
from fantasy.drafts.eligibility import eligible_driver_ids
from fantasy.drafts.models import Pick
from fantasy.errors import Conflict
from fantasy.extensions import db
from fantasy.f1data.models import Race, RaceStatus, SessionKind, SessionResult
from fantasy.leagues import service as leagues
from fantasy.leagues.models import FantasyTeam, League
from fantasy.scoring import service as scoring

DEMO_USERS = ("demo_owner", "demo_alice", "demo_bob")
LEAGUE_NAME = "Demo Replay League"
CREDENTIALS_FILE = "demo-credentials.json"
# Rounds the seed plays: enough for standings with movement, few enough to leave the season to play.
PLAYED_ROUNDS = 3


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


def _playable_races(season: int) -> list[Race]:
    """The season's first rounds that have a Grand Prix classification, in calendar order."""
    classified = select(SessionResult.id).where(SessionResult.race_id == Race.id,
                                                SessionResult.session == SessionKind.race).exists()
    return db.session.scalars(
        select(Race).where(Race.season_year == season, Race.status != RaceStatus.cancelled, classified)
        .order_by(Race.round).limit(PLAYED_ROUNDS)
    ).all()


def _play_round(league_id: int, race: Race, owner: User, players: dict[int, User]) -> None:
    """Open, pick in turns (each player takes a random available driver, the same ones on every seed),
    lock and score one round, through the same use cases as the API."""
    choose = random.Random(race.round).choice
    state = lifecycle.open_replay_round(league_id, race.id, owner)
    while state["state"] == "open":
        taken = set(db.session.scalars(select(Pick.driver_id).where(Pick.league_id == league_id,
                                                                    Pick.race_id == race.id)))
        driver_id = choose(sorted(set(eligible_driver_ids(race)) - taken))
        picking.make_pick(league_id, race.id, players[state["on_the_clock"]], driver_id)
        state = reads.draft_state(league_id, race.id, owner)
    lifecycle.lock_replay_round(league_id, race.id, owner)
    # At once rather than by the worker the lock queued: the demo is complete before anyone signs in (the
    # queued run finds nothing to change).
    scoring.score_race(race.id)


def seed(instance_path: str) -> dict:
    """Create the demo once; later calls return what was created (passwords are kept only in the
    instance folder's credentials file, readable by its owner alone)."""
    path = Path(instance_path) / CREDENTIALS_FILE
    if db.session.scalar(select(League.id).where(League.name == LEAGUE_NAME)) is not None:
        return {"created": False, **(json.loads(path.read_text()) if path.exists() else {})}
    if db.session.scalar(select(User.id).where(User.username_key.in_(DEMO_USERS))) is not None:
        raise Conflict("Demo usernames are taken but the demo league is missing: remove those users first")
    season = _replay_season()
    races = _playable_races(season)
    passwords = {username: secrets.token_urlsafe(12) for username in DEMO_USERS}
    users = {name: accounts.register(name, f"{name}@demo.invalid", password) for name, password in passwords.items()}
    owner = users[DEMO_USERS[0]]
    team_names = {name: f"{name.split('_')[1].title()} Racing" for name in DEMO_USERS}
    league = leagues.create_league(owner, {
        "name": LEAGUE_NAME, "season": season, "mode": "replay", "max_teams": 6, "visibility": "public",
        "description": f"A replay of the {season} season, {len(races)} rounds played: open the next round, "
                       "pick in turns, lock it to score it.",
        "team_name": team_names[DEMO_USERS[0]],
    }).league
    league_id, invite_code = league.id, league.invite_code
    for name in DEMO_USERS[1:]:
        leagues.join_by_code(invite_code, users[name], team_names[name])
    details = {"league_id": league_id, "season": season, "rounds_played": [],
               "users": [{"username": name, "password": password} for name, password in passwords.items()]}
    # Saved before the rounds are played: should one fail, a later seed still prints working passwords.
    _save(path, details)
    players = {team_id: db.session.get(User, user_id) for team_id, user_id in db.session.execute(
        select(FantasyTeam.id, FantasyTeam.user_id).where(FantasyTeam.league_id == league_id))}
    for race in races:
        _play_round(league_id, race, owner, players)
        details["rounds_played"].append(race.round)
    details.update(salary_cap.seed_league(season, races, users, team_names))
    _save(path, details)
    return {"created": True, **details}


def _save(path: Path, details: dict) -> None:
    """Write the credentials readable by their owner alone, from the file's first byte."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        file.write(json.dumps(details, indent=2))
    os.chmod(path, 0o600)  # a file left by an older seed keeps its mode through os.open
