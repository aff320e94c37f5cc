"""Each notification kind's data is what the OpenAPI documents for it (§9, §11): the schemas of
fantasy/notifications/schemas.py DATA_SCHEMAS, components of /openapi.json named per kind in `x-data-schemas`.
Every inbox a test reads is checked against them (notifications_helpers.inbox); here, real notices of the main
kinds from a draft round and a salary-cap round, and the check itself refusing a missing, extra or mistyped key."""
from collections import Counter
from datetime import timedelta

import pytest
import time_machine

from drafts_helpers import League, draft_row, race_id
from fantasy.drafts import picking
from fantasy.notifications.schemas import DATA_SCHEMAS
from lineups_helpers import CapLeague
from notifications_helpers import drain, inbox, undocumented

pytestmark = pytest.mark.usefixtures("f1")
SCORED = {"league_name": "Friday Night", "race_name": "Saudi Arabian Grand Prix", "season": 2023, "round": 2,
          "team_id": 12, "team_name": "Box Box", "round_points": 25.0, "season_points": 43.0, "rank": 1,
          "previous_rank": None}


def heard(client, league) -> Counter:
    """Every kind the league's users were told of (each notice checked against its kind's schema by inbox)."""
    return sum((Counter(item["kind"] for item in inbox(client, user)) for user in league.players.values()), Counter())


def test_a_draft_round_s_notices_are_as_documented(app, client, make_user):
    league = League(client, make_user, size=3, picks_per_team=1, pick_seconds=30)
    round1 = race_id(app, 2023, 1)
    assert league.open(round1).status_code == 200
    draft = draft_row(app, league.id, round1)
    with time_machine.travel(draft.pick_deadline + timedelta(seconds=1)):
        with app.app_context():
            assert picking.expire_turn(draft.id, 1) is True  # an autopick, and the next team's turn
    assert league.lock(round1).status_code == 200
    drain(app)  # the notices, the scoring and its race_scored, on a real worker
    assert heard(client, league) == Counter(member_joined=3, draft_open=3, your_turn=2, autopicked=3,
                                            draft_complete=3, draft_locked=3, race_scored=3)


@pytest.mark.usefixtures("priced")
def test_a_salary_cap_round_s_notices_are_as_documented(app, client, make_user):
    league = CapLeague(client, make_user, app)
    a, b, _c = league.teams
    league.put(a, 1, ["max_verstappen", "alonso", "stroll", "albon", "hulkenberg"], ["aston_martin", "williams"],
               boost="alonso")
    league.put(b, 1, ["perez", "norris", "gasly", "zhou", "sargeant"], ["mclaren", "haas"])
    assert league.lock_round(1).status_code == 200
    drain(app)  # the lineup notices, the round's scoring, its race_scored and the next round's prices
    assert heard(client, league) == Counter(member_joined=3, lineup_locked=2, race_scored=3, prices_changed=2)


def test_the_check_refuses_a_key_missing_extra_or_of_another_type():
    assert undocumented("race_scored", SCORED) is None
    assert undocumented("scores_corrected", {**SCORED, "previous_rank": 2}) is None
    assert undocumented("race_scored", {key: value for key, value in SCORED.items() if key != "rank"}) == {
        "rank": ["Missing data for required field."]}
    assert undocumented("race_scored", {**SCORED, "bonus": 1}) == {"bonus": ["Unknown field."]}
    assert undocumented("race_scored", {**SCORED, "round_points": "many"}) == {"round_points": ["Not a valid number."]}
    assert undocumented("race_scored", {**SCORED, "rank": None}) == {"rank": ["Field may not be null."]}
    assert undocumented("teams_merged", {}) == {"kind": ["teams_merged has no documented data"]}
    # role_changed has two shapes: a role given, and an ownership passed on.
    assert undocumented("role_changed", {"league_name": "L", "user_id": 3, "role": "manager"}) is None
    assert undocumented("role_changed", {"league_name": "L", "from_user_id": 3, "to_user_id": 4}) is None


def test_the_openapi_names_each_kind_s_schema(app):
    spec = app.test_client().get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    data = schemas["Notification"]["properties"]["data"]
    by_kind = data["x-data-schemas"]
    assert list(by_kind) == list(DATA_SCHEMAS) and len(by_kind) == 22
    assert by_kind["race_scored"] == by_kind["scores_corrected"] == "#/components/schemas/RaceScoredData"
    assert by_kind["role_changed"] == ["#/components/schemas/RoleChangedData",
                                       "#/components/schemas/OwnershipTransferredData"]
    assert "race_scored: RaceScoredData;" in data["description"]
    race_scored = schemas["RaceScoredData"]
    assert race_scored["required"] == sorted(SCORED) and race_scored["additionalProperties"] is False
    assert race_scored["properties"]["previous_rank"]["nullable"] is True
    assert race_scored["properties"]["round_points"]["type"] == "number"
    for refs in by_kind.values():
        for ref in [refs] if isinstance(refs, str) else refs:
            assert ref.rsplit("/", 1)[1] in schemas, ref
