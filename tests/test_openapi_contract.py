"""The OpenAPI document as a client generator reads it: every status an operation answers, in the error envelope,
stable operation ids and request examples (§11). What the app really answers is checked by the schemathesis sweep."""
import pytest

METHODS = ("get", "post", "put", "patch", "delete")
ENVELOPE = "#/components/schemas/Error"
# The operations a client plays a season with: generated clients name their functions after these ids, so
# renaming one breaks every client built on it.
GAME_OPERATIONS = {
    ("post", "/api/v1/auth/register"): "register",
    ("post", "/api/v1/auth/login"): "login",
    ("post", "/api/v1/auth/refresh"): "refreshTokens",
    ("get", "/api/v1/seasons/{year}/races"): "listSeasonRaces",
    ("get", "/api/v1/drivers"): "listDrivers",
    ("post", "/api/v1/leagues"): "createLeague",
    ("get", "/api/v1/leagues"): "listMyLeagues",
    ("post", "/api/v1/leagues/join"): "joinLeagueByCode",
    ("post", "/api/v1/leagues/{league_id}/join"): "joinPublicLeague",
    ("get", "/api/v1/leagues/{league_id}"): "getLeague",
    ("get", "/api/v1/leagues/{league_id}/teams"): "listLeagueTeams",
    ("get", "/api/v1/leagues/{league_id}/drafts/{race_id}"): "getDraft",
    ("post", "/api/v1/leagues/{league_id}/drafts/{race_id}/open"): "openDraft",
    ("post", "/api/v1/leagues/{league_id}/drafts/{race_id}/picks"): "makePick",
    ("put", "/api/v1/leagues/{league_id}/drafts/{race_id}/queue"): "setPickQueue",
    ("post", "/api/v1/leagues/{league_id}/drafts/{race_id}/lock"): "lockDraft",
    ("get", "/api/v1/leagues/{league_id}/standings"): "getStandings",
    ("get", "/api/v1/teams/{team_id}/scores"): "getTeamScores",
    ("get", "/api/v1/notifications"): "listNotifications",
    ("post", "/api/v1/events/ticket"): "createStreamTicket",
    ("get", "/api/v1/events"): "streamEvents",
}


@pytest.fixture(scope="module")
def spec(migrated_app):
    return migrated_app.test_client().get("/openapi.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def _schema_ref(spec, response: dict) -> str | None:
    if "$ref" in response:  # smorest's shared responses (UNPROCESSABLE_ENTITY...)
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")


def test_every_error_status_is_its_own_entry_in_the_error_envelope(spec):
    problems = []
    for method, path, operation in operations(spec):
        if "default" in operation["responses"]:
            problems.append(f"{method} {path}: a catch-all default response")
        for status, response in operation["responses"].items():
            if (
                status.isdigit()
                and int(status) >= 400
                and _schema_ref(spec, response) != ENVELOPE
                and path != "/readyz"
            ):
                problems.append(f"{method} {path} {status}: not the error envelope")
    assert problems == []


def test_operations_document_the_statuses_their_kind_can_answer(spec):
    """401 where a token is needed, 404 where a path names something, 400 and 422 where a body is read, 503
    wherever the database or Redis is used (everywhere but /healthz)."""
    problems = []
    for method, path, operation in operations(spec):
        statuses = set(operation["responses"])
        expected = {"503"} if path != "/healthz" else set()
        if operation.get("security"):
            expected.add("401")
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "422"}
        if expected - statuses:
            problems.append(f"{method} {path}: {sorted(expected - statuses)} undocumented")
    assert problems == []


def test_league_and_draft_operations_document_their_refusals(spec):
    responses = {(method, path): set(op["responses"]) for method, path, op in operations(spec)}
    league, draft = "/api/v1/leagues/{league_id}", "/api/v1/leagues/{league_id}/drafts/{race_id}"
    for key in [
        ("patch", league),
        ("delete", league),
        ("post", f"{league}/invite-code"),
        ("post", f"{league}/transfer"),
        ("patch", f"{league}/members/{{user_id}}"),
        ("delete", f"{league}/members/{{user_id}}"),
        ("post", f"{draft}/open"),
        ("post", f"{draft}/lock"),
        ("post", f"{draft}/picks"),
        ("put", f"{draft}/order"),
        ("put", f"{draft}/queue"),
    ]:
        assert {"403", "404", "409"} <= responses[key], key
    for key in [("get", f"{league}/members"), ("get", f"{league}/teams"), ("get", draft), ("get", f"{draft}/queue"),
                ("get", f"{league}/standings"), ("get", "/api/v1/teams/{team_id}/scores")]:
        assert {"403", "404"} <= responses[key], key
    assert {"401", "422", "429", "503"} <= responses[("get", "/api/v1/events")]
    assert {"401", "429"} <= responses[("post", "/api/v1/auth/login")]


def test_operation_ids_are_explicit_unique_and_stable(spec):
    ids = {(method, path): op.get("operationId") for method, path, op in operations(spec)}
    assert [key for key, operation_id in ids.items() if not operation_id] == []
    assert len(set(ids.values())) == len(ids)
    assert {key: ids[key] for key in GAME_OPERATIONS} == GAME_OPERATIONS


def test_every_json_request_body_has_an_example(spec):
    missing = [f"{method} {path}" for method, path, op in operations(spec)
               if "requestBody" in op and "example" not in op["requestBody"]["content"]["application/json"]]
    assert missing == []


def test_a_ruleset_is_documented_as_a_preset_name_or_a_custom_ruleset_of_numbers(spec):
    schemas = spec["components"]["schemas"]
    preset_or_custom = [{"type": "string", "enum": ["standard", "inverted", "fantasy", "f1_fantasy_2025"]},
                        {"$ref": "#/components/schemas/CustomRuleset"}]
    for name in ("LeagueCreate", "LeagueUpdate", "League"):
        assert schemas[name]["properties"]["ruleset"]["oneOf"] == preset_or_custom, name
    custom = schemas["CustomRuleset"]
    assert custom["additionalProperties"] is False
    assert custom["properties"]["race_points"] == {"type": "array", "maxItems": 30,
                                                   "items": {"type": "number", "minimum": -100, "maximum": 100}}
    assert custom["properties"]["race_positions_gained"] == {"type": "number", "minimum": -10, "maximum": 10}
    assert custom["properties"]["disqualified"] == {"type": "number", "minimum": -100, "maximum": 100,
                                                    "nullable": True}
    assert custom["properties"]["official_points"]["type"] == "boolean"
    assert len(custom["properties"]) == 12
