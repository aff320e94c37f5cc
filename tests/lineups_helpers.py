"""Shared set-up for salary-cap tests: a replay league of `size` teams driven through the API, and assets named
by their upstream refs (the `priced` fixture, the 2023 snapshot priced, is in conftest.py); locked lineups
written directly, for the scoring tests (tests/test_e2e_salary_cap.py locks them through the API)."""
from decimal import Decimal

from sqlalchemy import select

from drafts_helpers import API, League, constructor_id, driver_id, race_id
from fantasy.common.clock import utcnow
from fantasy.extensions import db
from fantasy.f1data.models import Constructor, Driver
from fantasy.lineups.models import Lineup, LineupAsset, LineupRound

D = Decimal


class CapLeague(League):
    """A salary-cap league; `teams` are its team ids in joining order (the owner's first)."""

    def __init__(self, client, make_user, app, size=3, **settings):
        super().__init__(client, make_user, size=size, name="Cap League", format="salary_cap", **settings)
        self.app = app
        self.teams = sorted(self.players)

    def lineup_url(self, team: int, round_: int) -> str:
        return f"{API}/leagues/{self.id}/teams/{team}/lineups/{race_id(self.app, 2023, round_)}"

    def get(self, team: int, round_: int, as_team: int | None = None):
        return self.client.get(self.lineup_url(team, round_), headers=self.players[as_team or team]["headers"])

    def put(self, team: int, round_: int, drivers, constructors, **extra):
        body = {"driver_ids": [driver_id(self.app, ref) for ref in drivers],
                "constructor_ids": [constructor_id(self.app, ref) for ref in constructors]}
        for key in ("boost", "extra_boost"):
            if key in extra:
                extra[f"{key}_driver_id"] = driver_id(self.app, extra.pop(key))
        return self.client.put(self.lineup_url(team, round_), json={**body, **extra},
                               headers=self.players[team]["headers"])

    def lock_round(self, round_: int, headers=None):
        return self.client.post(f"{API}/leagues/{self.id}/rounds/{race_id(self.app, 2023, round_)}/lock",
                                headers=headers or self.owner["headers"])


# Round 1 (Bahrain 2023) and round 2 (Saudi Arabia) lineups of three teams, by upstream refs.
TEAM_A = {"drivers": ["max_verstappen", "perez", "alonso", "hamilton", "stroll"],
          "constructors": ["red_bull", "aston_martin"], "boost": "max_verstappen", "penalty": 10, "transfers": 3}
TEAM_B = {"drivers": ["leclerc", "sainz", "hamilton", "russell", "norris"], "constructors": ["ferrari", "mercedes"],
          "boost": "sainz", "extra": "hamilton", "chip": "extra_boost"}
TEAM_C = {"drivers": ["leclerc", "piastri", "norris", "de_vries", "sargeant"], "constructors": ["mclaren", "williams"],
          "boost": "leclerc", "chip": "no_negative", "penalty": 20, "transfers": 4}


def salary_league(client, make_user) -> tuple[League, list[int]]:
    league = League(client, make_user, size=3, name="Cap League", format="salary_cap")
    teams = client.get(f"{API}/leagues/{league.id}/teams", headers=league.owner["headers"]).get_json()
    return league, [team["id"] for team in teams]


def lock(app, league_id: int, race: int, lineups: dict[int, dict]) -> None:
    """The round's lock as the lock writes it: the league's round and one locked lineup per team."""
    with app.app_context():
        drivers = dict(db.session.execute(select(Driver.ref, Driver.id)).all())
        constructors = dict(db.session.execute(select(Constructor.ref, Constructor.id)).all())
        db.session.add(LineupRound(league_id=league_id, race_id=race))
        for team_id, spec in lineups.items():
            lineup = Lineup(team_id=team_id, race_id=race, chip=spec.get("chip"), locked_at=utcnow(), bank=D("1.0"),
                            boost_driver_id=drivers[spec["boost"]],
                            extra_boost_driver_id=drivers.get(spec.get("extra")),
                            transfers=spec.get("transfers", 0), free_transfers=2, penalty=spec.get("penalty", 0))
            db.session.add(lineup)
            db.session.flush()
            db.session.add_all([LineupAsset(lineup_id=lineup.id, driver_id=drivers[ref], price=D("10.0"))
                                for ref in spec["drivers"]])
            db.session.add_all([LineupAsset(lineup_id=lineup.id, constructor_id=constructors[ref], price=D("10.0"))
                                for ref in spec["constructors"]])
        db.session.commit()
