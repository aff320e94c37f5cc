"""A Python client generated from /openapi.json by openapi-python-client (pinned in requirements.txt) plays a
replay league round through the app: what a front-end developer gets from the document is enough to play (§11).

The client is generated into the test's tmp dir on every run (nothing generated is committed) and talks HTTP to
the app over httpx's WSGI transport; queued jobs run on a real RQ worker (notifications_helpers.drain).
"""
import importlib
import json
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from notifications_helpers import drain
from scoring_helpers import official_points

# The generator runs as a process (its CLI is the maintained interface), offline: it reads only the file.
pytestmark = [pytest.mark.usefixtures("f1"), pytest.mark.slow]
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "fantasy_client"
PASSWORD = "correct horse battery"


@pytest.fixture
def api(app, client, tmp_path):
    """The generated package, imported from tmp_path."""
    spec, config = tmp_path / "openapi.json", tmp_path / "generator.yaml"
    spec.write_text(json.dumps(client.get("/openapi.json").get_json()))
    config.write_text("post_hooks: []\n")  # no formatter run: the code is only imported
    result = subprocess.run(
        [GENERATOR, "generate", "--path", spec, "--output-path", tmp_path / PACKAGE, "--meta", "none",
         "--config", config], capture_output=True, text=True, timeout=120)
    # A warning means part of the document could not be modelled (the client would miss it).
    assert result.returncode == 0 and "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def submodule(name: str):
    return importlib.import_module(f"{PACKAGE}.{name}")


class Player:
    """One person with the generated client: registers, signs in, and calls operations by their ids."""

    def __init__(self, api, app, username: str):
        self.transport = httpx.WSGITransport(app=app)
        anonymous = api.Client(base_url="http://localhost", httpx_args={"transport": self.transport})
        models = submodule("models")
        user = submodule("api.auth.register").sync(client=anonymous, body=models.Register(
            username=username, email=f"{username}@example.com", password=PASSWORD))
        assert isinstance(user, models.User), user
        self.id = user.id
        tokens = submodule("api.auth.login").sync(
            client=anonymous, body=models.Login(login=username, password=PASSWORD)
        )
        assert isinstance(tokens, models.TokenPair), tokens
        self.client = api.AuthenticatedClient(base_url="http://localhost", token=tokens.access_token,
                                              httpx_args={"transport": self.transport})

    def call(self, operation: str, **kwargs):
        """`drafts.make_pick` and its arguments: the parsed answer of a 2xx, or a failed assertion."""
        response = submodule(f"api.{operation}").sync_detailed(client=self.client, **kwargs)
        assert 200 <= response.status_code < 300, (operation, response.status_code, response.content)
        return response.parsed


def test_a_generated_client_plays_a_replay_round(app, api):
    models = submodule("models")
    owner, second, third = (Player(api, app, name) for name in ("alice", "bruno", "chiara"))

    league = owner.call("leagues.create_league", body=models.LeagueCreate(
        name="Generated League", season=2023, mode=models.LeagueCreateMode.REPLAY, team_name="Alice Racing"))
    assert league.ruleset.value == "standard"  # a preset name, modelled as the presets' enum
    custom = owner.call("leagues.create_league", body=models.LeagueCreate(
        name="Custom League", season=2023, mode=models.LeagueCreateMode.REPLAY, team_name="Alice Custom",
        ruleset=models.CustomRuleset(race_points=[10, 5.5], race_fastest_lap=1, disqualified=None)))
    assert isinstance(custom.ruleset, models.CustomRuleset)
    assert (custom.ruleset.race_points, custom.ruleset.race_fastest_lap, custom.ruleset.disqualified) == (
        [10.0, 5.5], 1.0, None)
    for number, player in enumerate((second, third), start=1):
        team = player.call("leagues.join_league_by_code", body=models.JoinByCode(
            invite_code=league.invite_code, team_name=f"Team {number}"))
        assert team.league_id == league.id
        drain(app)  # a worker keeping up: the join is told to those in the league by then
    teams = {team.id: team.user_id for team in owner.call("leagues.list_league_teams", league_id=league.id)}
    players = {player.id: player for player in (owner, second, third)}
    assert sorted(teams.values()) == sorted(players)

    races = owner.call("f1data.list_season_races", year=2023, page_size=100)
    race = next(race for race in races if race.round_ == 1).id
    draft = owner.call("drafts.open_draft", league_id=league.id, race_id=race)
    assert draft.state.value == "open" and draft.on_the_clock in teams

    # The team after the one on the clock tries to pick: the client models the 409 in the error envelope.
    waiting = next(team for team in teams if team != draft.on_the_clock)
    refused = submodule("api.drafts.make_pick").sync_detailed(
        client=players[teams[waiting]].client, league_id=league.id, race_id=race,
        body=models.PickRequest(driver_id=draft.available_driver_ids[0]))
    assert refused.status_code == 409 and isinstance(refused.parsed, models.Error), refused.content
    assert refused.parsed.code == 409 and refused.parsed.message == "It is not your turn"

    picks = 0
    while draft.state.value == "open":
        player = players[teams[draft.on_the_clock]]
        pick = player.call("drafts.make_pick", league_id=league.id, race_id=race,
                           body=models.PickRequest(driver_id=draft.available_driver_ids[0]))
        assert pick.team_id == draft.on_the_clock
        picks += 1
        draft = player.call("drafts.get_draft", league_id=league.id, race_id=race)
    assert picks == 3 * league.picks_per_team and len(draft.picks) == picks

    assert owner.call("drafts.lock_draft", league_id=league.id, race_id=race).state.value in ("locked", "scored")
    drain(app)  # the scoring and notification jobs, on a real RQ worker
    assert owner.call("drafts.get_draft", league_id=league.id, race_id=race).state.value == "scored"

    standings = owner.call("standings.get_standings", league_id=league.id)
    expected = official_points(app, league.id)
    assert {row.team_id: Decimal(str(row.points)) for row in standings} == expected
    assert sum(expected.values()) > 0
    assert sorted(row.rank for row in standings) == [row.rank for row in standings]

    # Every member hears once of the opening, the lock and the scores, and of each member who joined after them;
    # each team is told of its own turns, one per turn.
    joined_after = {owner.id: 2, second.id: 1, third.id: 0}
    for team, user in teams.items():
        notifications = players[user].call("notifications.list_notifications", page_size=100)
        turns = sum(1 for pick in draft.picks if pick.team_id == team)
        expected = Counter(draft_open=1, draft_complete=1, draft_locked=1, race_scored=1, your_turn=turns,
                           member_joined=joined_after[user])
        assert Counter(notification.kind for notification in notifications) == +expected, user
        # The data of a kind reads as the schema the OpenAPI names for it (x-data-schemas).
        [scored] = [notification for notification in notifications if notification.kind == "race_scored"]
        figures = models.RaceScoredData.from_dict(scored.data.to_dict())
        row = next(row for row in standings if row.team_id == team)
        assert (figures.team_id, figures.round_, figures.rank, figures.previous_rank, figures.season_points) == (
            team, 1, row.rank, None, row.points)
