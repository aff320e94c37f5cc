"""The league format switch (§6, §13): salary-cap leagues with a budget, each format refusing the other's
settings with a 422 naming the field, and no drafts for salary-cap leagues."""
import pytest
from sqlalchemy import func, select

from drafts_helpers import race_id
from fantasy.drafts.lifecycle import draft_tick
from fantasy.drafts.models import Draft
from fantasy.extensions import db
from fantasy.leagues.models import League

API = "/api/v1"


@pytest.fixture
def owner(make_user):
    return make_user("olivia")


def create(client, user, **fields):
    body = {"name": "Cap Club", "season": 2023, "mode": "replay", **fields}
    return client.post(f"{API}/leagues", json=body, headers=user["headers"])


def league_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(League))


def test_a_salary_cap_league_has_a_budget_and_the_official_ruleset(client, owner):
    response = create(client, owner, format="salary_cap")
    assert response.status_code == 201, response.get_json()
    league = response.get_json()
    assert (league["format"], league["budget"], league["ruleset"]) == ("salary_cap", 100.0, "f1_fantasy_2025")
    assert league["current_draft"] is None
    custom = create(client, owner, format="salary_cap", budget=87.5, ruleset="f1_fantasy_2025").get_json()
    assert (custom["budget"], custom["ruleset"]) == (87.5, "f1_fantasy_2025")
    draft = create(client, owner).get_json()
    assert (draft["format"], draft["budget"]) == ("draft", None)
    mine = client.get(f"{API}/leagues", headers=owner["headers"]).get_json()
    assert [row["format"] for row in mine] == ["draft", "salary_cap", "salary_cap"]


@pytest.mark.parametrize(
    "fields, field, message",
    [
        (
            {"format": "salary_cap", "picks_per_team": 2},
            "picks_per_team",
            "A draft setting: salary-cap leagues have no draft",
        ),
        (
            {"format": "salary_cap", "draft_method": "snake"},
            "draft_method",
            "A draft setting: salary-cap leagues have no draft",
        ),
        (
            {"format": "salary_cap", "autopick_on_lock": False},
            "autopick_on_lock",
            "A draft setting: salary-cap leagues have no draft",
        ),
        (
            {"format": "salary_cap", "ruleset": "standard"},
            "ruleset",
            "Salary-cap leagues always score under f1_fantasy_2025",
        ),
        ({"budget": 100}, "budget", "Only salary-cap leagues (format: salary_cap) have a budget"),
        ({"format": "draft", "budget": 120.5}, "budget", "Only salary-cap leagues (format: salary_cap) have a budget"),
    ],
)
def test_the_other_format_s_settings_are_refused_naming_the_field(client, app, owner, fields, field, message):
    body = create(client, owner, **fields).get_json()
    assert body["code"] == 422 and body["errors"] == {"json": {field: [message]}}, body
    assert body["message"].startswith("Settings of the other format are refused")
    assert league_count(app) == 0


@pytest.mark.parametrize("budget, message", [
    (49.9, "The budget is from 50 to 200 (millions)."), (200.1, "The budget is from 50 to 200 (millions)."),
    (100.05, "The budget is in 0.1 steps."),
])
def test_the_budget_is_50_to_200_in_tenths(client, app, owner, budget, message):
    body = create(client, owner, format="salary_cap", budget=budget).get_json()
    assert body["code"] == 422 and body["errors"] == {"json": {"budget": [message]}}, body
    assert create(client, owner, format="chess").status_code == 422
    assert league_count(app) == 0


def test_updates_check_the_league_s_format(client, owner):
    cap = create(client, owner, format="salary_cap").get_json()
    draft = create(client, owner).get_json()
    refused = client.patch(f"{API}/leagues/{cap['id']}", json={"pick_seconds": 30}, headers=owner["headers"])
    assert refused.status_code == 422 and refused.get_json()["errors"] == {
        "json": {"pick_seconds": ["A draft setting: salary-cap leagues have no draft"]}}
    refused = client.patch(f"{API}/leagues/{draft['id']}", json={"budget": 90}, headers=owner["headers"])
    assert refused.status_code == 422 and refused.get_json()["errors"] == {
        "json": {"budget": ["Only salary-cap leagues (format: salary_cap) have a budget"]}}
    changed = client.patch(f"{API}/leagues/{cap['id']}", json={"budget": 150.3, "max_teams": 22},
                           headers=owner["headers"])
    assert changed.status_code == 200 and (changed.get_json()["budget"], changed.get_json()["max_teams"]) == (150.3, 22)
    # The format is chosen once, at creation.
    assert client.patch(f"{API}/leagues/{cap['id']}", json={"format": "draft"},
                        headers=owner["headers"]).status_code == 422


@pytest.mark.usefixtures("f1")
def test_a_salary_cap_league_never_drafts(client, app, owner):
    replay = create(client, owner, format="salary_cap").get_json()
    bahrain = race_id(app, 2023, 1)
    response = client.post(f"{API}/leagues/{replay['id']}/drafts/{bahrain}/open", headers=owner["headers"])
    assert response.status_code == 409
    assert (
        response.get_json()["message"] == "A salary-cap league has no drafts: each team sets its lineup for the round"
    )
    with app.app_context():
        draft_tick()
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
