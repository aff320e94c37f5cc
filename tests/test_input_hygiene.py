"""Hostile input is a 4xx envelope, never a 500: oversized ids and pages, JSON that Python can't hold."""
import pytest
from werkzeug.routing import IntegerConverter

from fantasy.common.api import IdConverter

API = "/api/v1"
OUT_OF_RANGE_IDS = [0, 2**31, 2**63, 10**30]
HUGE_PAGES = [2**31, 2**62, 10**30]
# The blueprints whose routes this suite vouches for; "session" is the one non-id path parameter among them.
BOUNDED_BLUEPRINTS = {"leagues", "teams", "drafts", "admin", "f1data", "f1admin"}
OTHER_PARAMETERS = {"session": "race"}


def assert_envelope(response, code):
    body = response.get_json()
    assert response.status_code == code, body
    assert body["code"] == code and body["request_id"]
    return body


@pytest.fixture
def admin(make_user):
    return make_user("root", admin=True)


@pytest.fixture
def league(client, admin):
    response = client.post(f"{API}/leagues", json={"name": "Hygiene League", "season": 2025}, headers=admin["headers"])
    assert response.status_code == 201
    return response.get_json()


def bounded_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in BOUNDED_BLUEPRINTS]


def test_every_integer_path_parameter_is_a_bounded_id(app):
    parameters = [
        (rule.rule, name, converter) for rule in bounded_rules(app) for name, converter in rule._converters.items()
        if isinstance(converter, IntegerConverter)
    ]
    assert len(parameters) > 20
    assert [(path, name) for path, name, converter in parameters if not isinstance(converter, IdConverter)] == []


@pytest.mark.parametrize("value", OUT_OF_RANGE_IDS)
def test_out_of_range_path_ids_are_404_on_every_route(app, client, admin, league, value):
    for rule in bounded_rules(app):
        if not rule.arguments:
            continue
        _, url = rule.build({name: OTHER_PARAMETERS.get(name, value) for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, json={}, headers=admin["headers"])
            assert response.status_code == 404, (method, url, response.get_json())
            assert response.get_json()["code"] == 404


def test_a_five_thousand_digit_path_id_is_404(client, admin):
    assert_envelope(client.get(f"{API}/leagues/{'9' * 5000}", headers=admin["headers"]), 404)


@pytest.mark.parametrize("page", HUGE_PAGES)
@pytest.mark.parametrize("path", ["/leagues", "/leagues/public", "/admin/users", "/seasons"])
def test_huge_pages_are_422(client, admin, path, page):
    body = assert_envelope(client.get(f"{API}{path}?page={page}", headers=admin["headers"]), 422)
    assert "page" in body["errors"]["query"]


def test_the_last_allowed_page_is_just_empty(client, admin):
    response = client.get(f"{API}/leagues?page={2**31 - 1}&page_size=100", headers=admin["headers"])
    assert response.status_code == 200 and response.get_json() == []


@pytest.mark.parametrize("user_id", [2**31, 2**63, 10**30])
def test_out_of_range_body_ids_are_422(client, admin, league, user_id):
    response = client.post(f"{API}/leagues/{league['id']}/transfer", json={"user_id": user_id}, headers=admin["headers"])
    assert "user_id" in assert_envelope(response, 422)["errors"]["json"]


UNHOLDABLE_JSON = {
    "a 5000-digit number": '{"name": "League", "season": ' + "9" * 5000 + "}",
    "100k-deep nesting": '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}",
}


@pytest.mark.parametrize("body", UNHOLDABLE_JSON.values(), ids=UNHOLDABLE_JSON.keys())
@pytest.mark.parametrize("path", ["/leagues", "/auth/login", "/auth/register"])
def test_json_that_python_cannot_hold_is_400(client, admin, path, body):
    response = client.post(f"{API}{path}", data=body, content_type="application/json", headers=admin["headers"])
    assert assert_envelope(response, 400)["errors"] == {"json": ["Invalid JSON body."]}
