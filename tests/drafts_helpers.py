"""Shared set-up for draft tests: leagues with teams, and look-ups into the F1 data of the `f1` fixture."""
import itertools

from sqlalchemy import delete, select

from fantasy.auth.models import User
from fantasy.drafts.models import Draft
from fantasy.extensions import db
from fantasy.f1data.models import Constructor, Driver, Race, SessionResult
from fantasy.leagues import service as leagues
from fantasy.leagues.schemas import LeagueCreateSchema, LeagueSchema

API = "/api/v1"
_serial = itertools.count(1)


def race_id(app, season: int, round_: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Race.id).where(Race.season_year == season, Race.round == round_))


def driver_id(app, ref: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Driver.id).where(Driver.ref == ref))


def constructor_id(app, ref: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Constructor.id).where(Constructor.ref == ref))


def draft_row(app, league_id: int, race: int) -> Draft:
    with app.app_context():
        return db.session.scalars(select(Draft).where(Draft.league_id == league_id, Draft.race_id == race)).one()


class League:
    """A league of `size` teams, made as the API makes it (its request schema, the league service, its response
    schema) without the HTTP round trips: the create and join routes have tests of their own. `players[team_id]`
    is that team's user; `created` the league as its creator's POST answers it."""

    def __init__(self, client, make_user, size=3, name="Draft League", **settings):
        self.client = client
        owner = make_user(f"user{next(_serial)}")
        users = [make_user(f"user{next(_serial)}") for _ in range(1, size)]
        body = {"name": name, "season": 2023, "mode": "replay", "max_teams": 10, **settings}
        with client.application.app_context():
            view = leagues.create_league(db.session.get(User, owner["id"]), LeagueCreateSchema().load(body))
            league = LeagueSchema().dump(view)
            self.players = {view.my_team_id: owner}
            for number, user in enumerate(users, start=1):
                team = leagues.join_by_code(league["invite_code"], db.session.get(User, user["id"]), f"{name} {number}")
                self.players[team.id] = user
            db.session.remove()
        self.id, self.owner, self.created = league["id"], owner, league

    def url(self, race: int, tail: str = "") -> str:
        return f"{API}/leagues/{self.id}/drafts/{race}{tail}"

    def state(self, race: int) -> dict:
        return self.client.get(self.url(race), headers=self.owner["headers"]).get_json()

    def open(self, race: int):
        return self.client.post(self.url(race, "/open"), headers=self.owner["headers"])

    def lock(self, race: int):
        return self.client.post(self.url(race, "/lock"), headers=self.owner["headers"])

    def pick(self, race: int, driver: int, team_id: int | None = None):
        """Pick as `team_id`, or as the team on the clock."""
        team_id = team_id or self.state(race)["on_the_clock"]
        return self.client.post(
            self.url(race, "/picks"), json={"driver_id": driver}, headers=self.players[team_id]["headers"]
        )


def no_results(app, race: int) -> None:
    """The race's stored classifications gone: a round nothing can score."""
    with app.app_context():
        db.session.execute(delete(SessionResult).where(SessionResult.race_id == race))
        db.session.commit()


def why(round_: int, missing: str = "race or sprint") -> str:
    """The 409's message for a round that cannot be scored."""
    return (f"Round {round_} cannot be scored: no {missing} classification is stored for it (a round needs its "
            "race classification, or one for every session the ruleset scores)")
