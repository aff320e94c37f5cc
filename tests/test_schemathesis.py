"""Schemathesis over every documented operation, as a league member, a stranger to the league and an admin: no 5xx,
no off-schema response, no status the operation does not document."""
import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from drafts_helpers import League, driver_id, race_id

# CI keeps this bounded (the whole module well under a minute); SCHEMATHESIS_EXAMPLES raises it (README, Hardening).
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))
# The CI run is the same every time (a failure reproduces); a longer run explores new inputs each time.
REPEATABLE = "SCHEMATHESIS_EXAMPLES" not in os.environ
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
# Operations that change who owns or belongs to the seeded league run last, so the reads and the draft
# operations before them still find it as seeded.
LAST = ("delete", "/leave", "/transfer", "/deactivate", "/members/")
# The event stream answers 200 with an endless body once a ticket is valid; generated tickets never are,
# so it is exercised for its 4xx answers like any other operation.


def _seed(app, client, make_user, role: str) -> tuple[dict, dict]:
    """A public 2023 replay league of three teams with an open draft and one pick; returns (headers, path ids).

    Its owner reaches the league's own refusals (409s), a signed-in stranger the member-only ones (403), an
    admin passes every league check.
    """
    league = League(client, make_user, size=3, visibility="public")
    race = race_id(app, 2023, 1)
    assert league.open(race).status_code == 200
    assert league.pick(race, driver_id(app, "max_verstappen")).status_code == 201
    owner = league.owner
    team_id = next(team for team, user in league.players.items() if user is owner)
    other_member = next(user for user in league.players.values() if user is not owner)
    notifications = client.get("/api/v1/notifications", headers=owner["headers"]).get_json()
    ids = {
        "league_id": league.id, "race_id": race, "team_id": team_id, "user_id": other_member["id"],
        "year": 2023, "session": "race",
        "notification_id": notifications[0]["id"] if notifications else 1,
    }
    headers = {"member": lambda: owner["headers"], "stranger": lambda: make_user("fuzzstranger")["headers"],
               "admin": lambda: make_user("fuzzadmin", admin=True)["headers"]}[role]()
    return headers, ids


def _ordered(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: (any(mark in f"{op.method} {op.path}".lower() for mark in LAST),
                                              op.method.lower() != "get", op.path, op.method))


def _explore(operation, strategy, headers, checks=CHECKS) -> str | None:
    """Run `EXAMPLES` cases; the first failing request as curl plus the failure, or None."""
    failure = {}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=REPEATABLE, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        try:
            case.call_and_validate(headers=headers, checks=checks)
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - recorded with its request
            failure.setdefault("report", f"{operation.method.upper()} {operation.path}\n"
                                         f"  {case.as_curl_command(headers=headers)}\n  {error}")
            raise

    try:
        run()
    except Unsatisfiable:
        return None  # negative mode only: nothing in this operation can be made invalid
    except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - recorded; explore the other operations
        return failure.get("report", f"{operation.method.upper()} {operation.path}: {error!r}")
    return None


@pytest.mark.slow  # a sweep: every operation, EXAMPLES cases each
@pytest.mark.parametrize("role", ["member", "stranger", "admin"])
def test_every_operation_answers_within_its_documented_schema(app, client, make_user, f1, role):
    headers, ids = _seed(app, client, make_user, role)
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").get_json())
    schema.app = app
    started = time.monotonic()
    failures, explored = [], 0
    for operation in _ordered(schema):
        names = {parameter.name for parameter in operation.path_parameters}
        seeded = {name: ids[name] for name in names if name in ids}
        # Random ids reach the not-found paths; the seeded ones reach the league, draft and team code.
        strategies = [operation.as_strategy()]
        if seeded:
            strategies.append(operation.as_strategy(path_parameters=seeded))
        for strategy in strategies:
            explored += 1
            report = _explore(operation, strategy, headers)
            if report:
                failures.append(report)
        # Invalid input (wrong types, missing fields, out-of-range values) must be refused with a 4xx; what the
        # refusal looks like is checked above, so only a 5xx fails here.
        report = _explore(operation, operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=seeded),
                          headers, checks=[not_a_server_error])
        if report:
            failures.append(report)
    assert explored >= 50, explored
    assert not failures, "\n\n".join(failures)
    assert time.monotonic() - started < 60 * max(1, EXAMPLES // 4)


def test_found_by_fuzzing_a_job_id_rq_refuses_is_a_404(client, make_user):
    admin = make_user("jobsadmin", admin=True)
    response = client.post("/api/v1/admin/jobs/%C3%A14%26/requeue", headers=admin["headers"])
    assert response.status_code == 404, response.get_json()


def test_found_by_fuzzing_a_correction_with_numbers_past_the_columns_is_a_422(app, client, make_user, f1):
    admin = make_user("resultsadmin", admin=True)
    race, driver = race_id(app, 2023, 1), driver_id(app, "max_verstappen")
    row = {"driver_id": driver, "constructor_id": 1, "position": 1, "time_ms": 10**31}
    url = f"/api/v1/admin/races/{race}/results/race"
    response = client.put(url, json={"rows": [row]}, headers=admin["headers"])
    assert response.status_code == 422 and "time_ms" in str(response.get_json()["errors"]), response.get_json()
    response = client.put(
        url, json={"rows": [{**row, "time_ms": 1, "constructor_id": 2**40}]}, headers=admin["headers"]
    )
    assert response.status_code == 422 and "constructor_id" in str(response.get_json()["errors"]), response.get_json()


def test_found_by_fuzzing_ids_past_the_integer_columns_are_a_404_on_every_route(client, make_user):
    admin = make_user("idsadmin", admin=True)
    huge = 2**70
    for method, url in [
        ("GET", f"/api/v1/teams/{huge}/scores"),
        ("GET", f"/api/v1/leagues/{huge}/standings"),
        ("POST", f"/api/v1/notifications/{huge}/read"),
        ("POST", f"/api/v1/admin/races/{huge}/rescore"),
    ]:
        response = client.open(url, method=method, headers=admin["headers"])
        assert response.status_code == 404, (method, url, response.status_code)
