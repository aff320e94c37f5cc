"""Shared set-up for salary-cap tests: a replay league of `size` teams driven through the API, and assets named
by their upstream refs (the `priced` fixture, the 2023 snapshot priced, is in conftest.py)."""
from drafts_helpers import API, League, constructor_id, driver_id, race_id


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
