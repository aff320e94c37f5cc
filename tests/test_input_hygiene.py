"""Hostile input is a 4xx envelope, never a 500: oversized ids and pages, JSON that Python can't hold."""
import base64

import pytest
from werkzeug.routing import IntegerConverter

from conftest import PASSWORD
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
    response = client.post(f"{API}/leagues", json={"name": "Hygiene League", "season": 2025, "mode": "replay"},
                           headers=admin["headers"])
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
    response = client.post(
        f"{API}/leagues/{league['id']}/transfer", json={"user_id": user_id}, headers=admin["headers"]
    )
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


# --- text: one Text field for every string input --------------------------------------------------

BAD_TEXT = {"NUL": "\u0000", "lone surrogate": "\ud800", "escape": "\u001b", "trailing newline": "\n",
            "C1 next line": "\u0085", "right-to-left override": "\u202e"}
# (method, path, a valid body, the string fields to spoil one at a time)
TEXT_INPUTS = [
    ("post", "/auth/register", {"username": "zed", "email": "zed@example.com", "password": PASSWORD},
     ["username", "email", "password"]),
    ("post", "/auth/login", {"login": "zed", "password": PASSWORD}, ["login", "password"]),
    ("patch", "/users/me", {"username": "zed", "email": "zed@example.com"}, ["username", "email"]),
    ("post", "/users/me/password", {"current_password": PASSWORD, "new_password": "a new long secret"},
     ["current_password", "new_password"]),
    ("post", "/leagues",
     {"name": "Fine League", "season": 2025, "mode": "replay", "team_name": "Fine Team", "ruleset": "standard"},
     ["name", "team_name", "ruleset"]),
    ("patch", "/leagues/{league}", {"name": "Fine League", "description": "Fine words"}, ["name"]),
    ("post", "/leagues/join", {"invite_code": "{invite_code}", "team_name": "Fine Team"}, ["invite_code", "team_name"]),
    ("post", "/leagues/{league}/join", {"team_name": "Fine Team"}, ["team_name"]),
    ("patch", "/leagues/{league}/members/{me}", {"role": "member"}, ["role"]),
    ("patch", "/teams/{team}", {"name": "Fine Team"}, ["name"]),
]
SPOILED = [
    pytest.param(method, path, body, field, bad, id=f"{method} {path} {field} {label}")
    for method, path, body, fields in TEXT_INPUTS for field in fields for label, bad in BAD_TEXT.items()
]


@pytest.fixture
def places(client, admin, league):
    team = client.get(f"{API}/leagues/{league['id']}/teams", headers=admin["headers"]).get_json()[0]
    return {"league": league["id"], "invite_code": league["invite_code"], "me": admin["id"], "team": team["id"]}


@pytest.mark.parametrize("method, path, body, field, bad", SPOILED)
def test_control_characters_and_lone_surrogates_are_422_in_every_text_field(
    client, admin, places, method, path, body, field, bad
):
    body = {key: value.format(**places) if isinstance(value, str) else value for key, value in body.items()}
    body[field] = f"{str(body[field])[:6]}{bad}{str(body[field])[6:]}" if bad != "\n" else f"{body[field]}\n"
    response = client.open(f"{API}{path.format(**places)}", method=method, json=body, headers=admin["headers"])
    assert field in assert_envelope(response, 422)["errors"]["json"]


@pytest.mark.parametrize("bad", ["\u0000", "\ud800", "\u001b"])
def test_descriptions_keep_tabs_and_newlines_but_not_other_controls(client, admin, league, bad):
    url = f"{API}/leagues/{league['id']}"
    assert (
        client.patch(url, json={"description": "Two\tcolumns\nand lines"}, headers=admin["headers"]).status_code == 200
    )
    refused = client.patch(url, json={"description": f"bad{bad}words"}, headers=admin["headers"])
    assert "description" in assert_envelope(refused, 422)["errors"]["json"]
    assert client.get(url, headers=admin["headers"]).get_json()["description"] == "Two\tcolumns\nand lines"


# The ends of each refused range, and what lies just outside them (still text a name may hold).
C1_AND_BIDI_CONTROLS = ["\u0080", "\u009f", "\u202a", "\u202e", "\u2066", "\u2069"]
NEIGHBOURS = "\u007e\u00a0\u2029\u202f\u2065\u206a"


@pytest.mark.parametrize("bad", C1_AND_BIDI_CONTROLS, ids=lambda bad: f"U+{ord(bad):04X}")
def test_c1_controls_and_bidi_overrides_are_422_like_c0(client, admin, league, places, bad):
    team_url, league_url = f"{API}/teams/{places['team']}", f"{API}/leagues/{league['id']}"
    renamed = client.patch(team_url, json={"name": f"Fast{bad}Team"}, headers=admin["headers"])
    assert assert_envelope(renamed, 422)["errors"]["json"] == {"name": ["Must not contain control characters."]}
    described = client.patch(league_url, json={"description": f"line one\n{bad}line two"}, headers=admin["headers"])
    assert assert_envelope(described, 422)["errors"]["json"] == {
        "description": ["Must not contain control characters."]
    }
    assert client.get(team_url, headers=admin["headers"]).get_json()["name"] == "root"


def test_the_neighbours_of_the_refused_ranges_are_kept(client, admin, league, places):
    renamed = client.patch(
        f"{API}/teams/{places['team']}", json={"name": f"Team {NEIGHBOURS}"}, headers=admin["headers"]
    )
    assert renamed.status_code == 200 and renamed.get_json()["name"] == f"Team {NEIGHBOURS}"


def test_a_nul_in_the_public_search_is_422(client, admin):
    refused = assert_envelope(client.get(f"{API}/leagues/public?q=a%00b", headers=admin["headers"]), 422)
    assert "q" in refused["errors"]["query"]


def test_names_whose_case_key_would_overflow_are_422(client, admin, league, make_user):
    # "İ".casefold() is two code points: 60 of them fit the name column but not the key column.
    joiner = make_user("joiner")
    response = client.post(
        f"{API}/leagues/join",
        json={"invite_code": league["invite_code"], "team_name": "\u0130" * 60},
        headers=joiner["headers"],
    )
    assert "team_name" in assert_envelope(response, 422)["errors"]["json"]
    email = "\u0130" * 64 + "@" + ".".join(["a" * 60, "b" * 60, "c" * 60]) + ".com"
    registered = client.post(f"{API}/auth/register", json={"username": "eve", "email": email, "password": PASSWORD})
    assert "email" in assert_envelope(registered, 422)["errors"]["json"]


def test_keys_are_case_folded_so_every_spelling_of_a_name_is_one(client, auth, admin, league, places, make_user):
    auth.register("strasse_fan", email="straße@example.com")
    assert auth.login("STRASSE@example.com")["access_token"]
    taken = client.post(f"{API}/auth/register",
                        json={"username": "other", "email": "STRASSE@example.com", "password": PASSWORD})
    assert assert_envelope(taken, 409)["errors"]["email"]
    joiner = make_user("joiner")
    client.patch(f"{API}/teams/{places['team']}", json={"name": "Straße GP"}, headers=admin["headers"])
    clash = client.post(f"{API}/leagues/join", json={"invite_code": league["invite_code"], "team_name": "STRASSE GP"},
                        headers=joiner["headers"])
    assert assert_envelope(clash, 409)["errors"]["json"]["team_name"]



@pytest.mark.parametrize("login", ["bo\u0000ss", "bo\u202ess", "x" * 300])
def test_a_dashboard_login_no_account_can_have_is_a_plain_401(client, login):
    # HTTP Basic carries any bytes; PostgreSQL refuses a NUL in a query, so such a login must never reach one.
    credentials = base64.b64encode(f"{login}:{PASSWORD}".encode()).decode()
    refused = client.get("/admin/rq/", headers={"Authorization": f"Basic {credentials}"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Basic ")
