"""Leagues, membership and teams (§6): the flows, invite codes, roles, history and bad input."""
import pytest
from sqlalchemy import func, select

from fantasy.extensions import db
from fantasy.leagues.models import FantasyTeam, League, LeagueEvent, Membership

API = "/api/v1"


@pytest.fixture
def owner(make_user):
    return make_user("olivia")


def create(client, user, **fields):
    body = {"name": "Paddock Pals", "season": 2025, "mode": "replay", **fields}
    response = client.post(f"{API}/leagues", json=body, headers=user["headers"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def events(app, league_id) -> list[str]:
    with app.app_context():
        return db.session.scalars(
            select(LeagueEvent.kind).where(LeagueEvent.league_id == league_id).order_by(LeagueEvent.id)
        ).all()


def join_code(client, user, code, team_name):
    return client.post(
        f"{API}/leagues/join", json={"invite_code": code, "team_name": team_name}, headers=user["headers"]
    )


# --- create, read, update, delete ----------------------------------------------------------------


def test_create_gives_owner_a_team_and_defaults(client, app, owner):
    league = create(client, owner)
    assert league["my_role"] == "owner" and league["owner_id"] == owner["id"]
    assert league["team_count"] == 1
    assert (league["visibility"], league["max_teams"], league["picks_per_team"]) == ("private", 10, 2)
    assert (league["draft_method"], league["order_strategy"], league["pick_seconds"]) == ("snake", "rotation", 0)
    assert (league["draft_opens_hours"], league["autopick_on_lock"], league["ruleset"]) == (96, True, "standard")
    assert len(league["invite_code"]) >= 8
    teams = client.get(f"{API}/leagues/{league['id']}/teams", headers=owner["headers"]).get_json()
    assert [team["name"] for team in teams] == ["olivia"]
    assert events(app, league["id"]) == ["league_created"]


def test_update_settings_by_manager_and_audit(client, app, owner, make_user):
    league = create(client, owner, visibility="public")
    manager = make_user("mo")
    client.post(f"{API}/leagues/{league['id']}/join", json={"team_name": "Mo Racing"}, headers=manager["headers"])
    client.patch(
        f"{API}/leagues/{league['id']}/members/{manager['id']}", json={"role": "manager"}, headers=owner["headers"]
    )
    response = client.patch(
        f"{API}/leagues/{league['id']}", json={"name": "Renamed", "pick_seconds": 60}, headers=manager["headers"]
    )
    assert response.status_code == 200
    assert (response.get_json()["name"], response.get_json()["pick_seconds"]) == ("Renamed", 60)
    assert response.get_json()["max_teams"] == 10  # untouched fields keep their values
    assert events(app, league["id"])[-1] == "settings_changed"


def test_grid_limit_on_create_and_update(client, app, owner):
    too_many = client.post(
        f"{API}/leagues", json={"name": "Big", "season": 2025, "mode": "replay", "max_teams": 11, "picks_per_team": 2},
        headers=owner["headers"],
    )
    assert too_many.status_code == 422 and "max_teams" in too_many.get_json()["errors"]["json"]
    allowed_2026 = client.post(
        f"{API}/leagues", json={"name": "Big", "season": 2026, "mode": "replay", "max_teams": 11, "picks_per_team": 2},
        headers=owner["headers"],
    )
    assert allowed_2026.status_code == 201
    league = create(client, owner)
    response = client.patch(f"{API}/leagues/{league['id']}", json={"picks_per_team": 3}, headers=owner["headers"])
    assert response.status_code == 422
    assert client.get(f"{API}/leagues/{league['id']}", headers=owner["headers"]).get_json()["picks_per_team"] == 2


def test_max_teams_cannot_drop_below_current_teams(client, owner, make_user):
    league = create(client, owner, visibility="public", max_teams=3)
    for name in ("p1", "p2"):
        user = make_user(name)
        client.post(f"{API}/leagues/{league['id']}/join", json={"team_name": f"Team {name}"}, headers=user["headers"])
    response = client.patch(f"{API}/leagues/{league['id']}", json={"max_teams": 2}, headers=owner["headers"])
    assert response.status_code == 409


def test_delete_is_owner_only_and_removes_everything(client, app, owner, make_user):
    league = create(client, owner, visibility="public")
    member = make_user("mia")
    client.post(f"{API}/leagues/{league['id']}/join", json={"team_name": "Mia GP"}, headers=member["headers"])
    assert client.delete(f"{API}/leagues/{league['id']}", headers=member["headers"]).status_code == 403
    assert client.delete(f"{API}/leagues/{league['id']}", headers=owner["headers"]).status_code == 204
    assert client.get(f"{API}/leagues/{league['id']}", headers=owner["headers"]).status_code == 404
    counts = (count(app, League), count(app, Membership), count(app, FantasyTeam), count(app, LeagueEvent))
    assert counts == (0, 0, 0, 0)


def test_my_leagues_and_public_search(client, owner, make_user):
    create(client, owner, name="Private Club")
    create(client, owner, name="100% Racing", visibility="public")
    create(client, owner, name="Open_Wheel", visibility="public")
    stranger = make_user("sam")
    mine = client.get(f"{API}/leagues", headers=owner["headers"])
    assert [row["name"] for row in mine.get_json()] == ["Open_Wheel", "100% Racing", "Private Club"]
    assert {row["my_role"] for row in mine.get_json()} == {"owner"}
    assert client.get(f"{API}/leagues", headers=stranger["headers"]).get_json() == []
    public = client.get(f"{API}/leagues/public", headers=stranger["headers"]).get_json()
    assert {row["name"] for row in public} == {"100% Racing", "Open_Wheel"}
    percent = client.get(f"{API}/leagues/public", query_string={"q": "%"}, headers=stranger["headers"]).get_json()
    assert [row["name"] for row in percent] == ["100% Racing"]
    underscore = client.get(f"{API}/leagues/public", query_string={"q": "n_w"}, headers=stranger["headers"]).get_json()
    assert [row["name"] for row in underscore] == ["Open_Wheel"]
    racing = client.get(f"{API}/leagues/public", query_string={"q": "racing"}, headers=stranger["headers"]).get_json()
    assert racing[0]["team_count"] == 1


def test_pagination_header_and_limits(client, owner):
    for number in range(3):
        create(client, owner, name=f"League {number}")
    page = client.get(f"{API}/leagues", query_string={"page_size": 2, "page": 2}, headers=owner["headers"])
    assert len(page.get_json()) == 1
    assert '"total": 3' in page.headers["X-Pagination"]
    assert client.get(f"{API}/leagues", query_string={"page_size": 101}, headers=owner["headers"]).status_code == 422


# --- joining -----------------------------------------------------------------------------------


def test_join_public_directly_and_private_only_with_code(client, app, owner, make_user):
    public = create(client, owner, visibility="public")
    private = create(client, owner)
    joiner = make_user("jo")
    joined = client.post(
        f"{API}/leagues/{public['id']}/join", json={"team_name": "Jo Racing"}, headers=joiner["headers"]
    )
    assert joined.status_code == 201 and joined.get_json()["name"] == "Jo Racing"
    hidden = client.post(
        f"{API}/leagues/{private['id']}/join", json={"team_name": "Jo Racing"}, headers=joiner["headers"]
    )
    assert hidden.status_code == 404
    with_code = join_code(client, joiner, private["invite_code"], "Jo Racing")
    assert with_code.status_code == 201
    assert events(app, private["id"]) == ["league_created", "member_joined"]
    again = join_code(client, joiner, private["invite_code"], "Jo Again")
    assert again.status_code == 409


def test_invite_code_regeneration_kills_the_old_code(client, owner, make_user):
    league = create(client, owner)
    old = league["invite_code"]
    response = client.post(f"{API}/leagues/{league['id']}/invite-code", headers=owner["headers"])
    new = response.get_json()["invite_code"]
    assert response.status_code == 201 and new != old and len(new) >= 8
    joiner = make_user("jo")
    assert join_code(client, joiner, old, "Jo Racing").status_code == 404
    assert join_code(client, joiner, new, "Jo Racing").status_code == 201


def test_invite_code_is_never_shown_to_members(client, owner, make_user):
    league = create(client, owner)
    member = make_user("mia")
    join_code(client, member, league["invite_code"], "Mia GP")
    seen = [
        client.get(f"{API}/leagues/{league['id']}", headers=member["headers"]),
        client.get(f"{API}/leagues", headers=member["headers"]),
        client.get(f"{API}/leagues/{league['id']}/members", headers=member["headers"]),
        client.get(f"{API}/leagues/{league['id']}/teams", headers=member["headers"]),
    ]
    for response in seen:
        assert response.status_code == 200
        assert league["invite_code"] not in response.get_data(as_text=True)
        assert "invite_code" not in response.get_data(as_text=True)
    assert client.post(f"{API}/leagues/{league['id']}/invite-code", headers=member["headers"]).status_code == 403


def test_capacity_is_enforced(client, owner, make_user):
    league = create(client, owner, visibility="public", max_teams=2)
    first, second = make_user("a1"), make_user("a2")
    assert (
        client.post(
            f"{API}/leagues/{league['id']}/join", json={"team_name": "A1 GP"}, headers=first["headers"]
        ).status_code
        == 201
    )
    full = client.post(f"{API}/leagues/{league['id']}/join", json={"team_name": "A2 GP"}, headers=second["headers"])
    assert full.status_code == 409 and "full" in full.get_json()["message"]


@pytest.mark.parametrize("taken", ["Red Bulls", "red bulls", "RED BULLS"])
def test_duplicate_team_names_in_any_case_are_409(client, app, owner, make_user, taken):
    league = create(client, owner, visibility="public", team_name="Red Bulls")
    joiner = make_user("jo")
    response = client.post(f"{API}/leagues/{league['id']}/join", json={"team_name": taken}, headers=joiner["headers"])
    assert response.status_code == 409
    assert count(app, FantasyTeam) == 1 and count(app, Membership) == 1


# --- members, roles, ownership -----------------------------------------------------------------


@pytest.fixture
def crew(client, owner, make_user):
    """A private league with the owner, a manager and a member."""
    league = create(client, owner)
    manager, member = make_user("manny"), make_user("mia")
    join_code(client, manager, league["invite_code"], "Manny Motors")
    join_code(client, member, league["invite_code"], "Mia GP")
    client.patch(
        f"{API}/leagues/{league['id']}/members/{manager['id']}", json={"role": "manager"}, headers=owner["headers"]
    )
    return league, owner, manager, member


def test_members_list(client, crew):
    league, owner, manager, member = crew
    rows = client.get(f"{API}/leagues/{league['id']}/members", headers=member["headers"]).get_json()
    assert [(row["username"], row["role"], row["team_name"]) for row in rows] == [
        ("olivia", "owner", "olivia"), ("manny", "manager", "Manny Motors"), ("mia", "member", "Mia GP"),
    ]


def test_role_changes_are_owner_only_and_never_touch_the_owner(client, crew):
    league, owner, manager, member = crew
    url = f"{API}/leagues/{league['id']}/members"
    assert (
        client.patch(f"{url}/{member['id']}", json={"role": "manager"}, headers=manager["headers"]).status_code == 403
    )
    assert client.patch(f"{url}/{owner['id']}", json={"role": "member"}, headers=owner["headers"]).status_code == 409
    assert client.patch(f"{url}/{owner['id']}", json={"role": "member"}, headers=manager["headers"]).status_code == 403
    assert client.patch(f"{url}/{member['id']}", json={"role": "owner"}, headers=owner["headers"]).status_code == 422
    demoted = client.patch(f"{url}/{manager['id']}", json={"role": "member"}, headers=owner["headers"])
    assert demoted.status_code == 200 and demoted.get_json()["role"] == "member"
    assert client.patch(f"{url}/999999", json={"role": "member"}, headers=owner["headers"]).status_code == 404


def test_a_manager_removing_another_manager_is_forbidden(client, crew):
    league, owner, manager, member = crew
    url = f"{API}/leagues/{league['id']}/members"
    client.patch(f"{url}/{member['id']}", json={"role": "manager"}, headers=owner["headers"])
    refused = client.delete(f"{url}/{member['id']}", headers=manager["headers"])
    assert refused.status_code == 403 and "owner" in refused.get_json()["message"]
    members = client.get(url, headers=owner["headers"]).get_json()
    assert {row["username"] for row in members} == {"olivia", "manny", "mia"}
    assert client.delete(f"{url}/{member['id']}", headers=owner["headers"]).status_code == 204


def test_remove_member_keeps_team_history(client, app, crew):
    league, owner, manager, member = crew
    url = f"{API}/leagues/{league['id']}/members"
    assert client.delete(f"{url}/{owner['id']}", headers=manager["headers"]).status_code == 409
    assert client.delete(f"{url}/{manager['id']}", headers=member["headers"]).status_code == 403
    assert client.delete(f"{url}/{member['id']}", headers=manager["headers"]).status_code == 204
    assert client.get(f"{API}/leagues/{league['id']}", headers=member["headers"]).status_code == 404
    teams = client.get(f"{API}/leagues/{league['id']}/teams", headers=owner["headers"]).get_json()
    assert [(team["name"], team["active"]) for team in teams] == [
        ("olivia", True), ("Manny Motors", True), ("Mia GP", False),
    ]
    assert events(app, league["id"])[-1] == "member_removed"
    assert client.delete(f"{url}/{manager['id']}", headers=owner["headers"]).status_code == 204


def test_leave_and_rejoin_reuses_the_team(client, crew):
    league, owner, manager, member = crew
    assert client.post(f"{API}/leagues/{league['id']}/leave", headers=owner["headers"]).status_code == 409
    assert client.post(f"{API}/leagues/{league['id']}/leave", headers=member["headers"]).status_code == 204
    rejoined = join_code(client, member, league["invite_code"], "Mia Returns")
    assert rejoined.status_code == 201
    teams = client.get(f"{API}/leagues/{league['id']}/teams", headers=owner["headers"]).get_json()
    assert [team["name"] for team in teams if team["user_id"] == member["id"]] == ["Mia Returns"]
    assert len(teams) == 3


def test_transfer_ownership(client, app, crew):
    league, owner, manager, member = crew
    url = f"{API}/leagues/{league['id']}/transfer"
    assert client.post(url, json={"user_id": member["id"]}, headers=manager["headers"]).status_code == 403
    assert client.post(url, json={"user_id": 999999}, headers=owner["headers"]).status_code == 404
    response = client.post(url, json={"user_id": member["id"]}, headers=owner["headers"])
    assert response.status_code == 200 and response.get_json()["owner_id"] == member["id"]
    assert response.get_json()["my_role"] == "manager"
    assert client.post(f"{API}/leagues/{league['id']}/leave", headers=owner["headers"]).status_code == 204
    assert events(app, league["id"])[-2:] == ["ownership_transferred", "member_left"]


# --- teams -------------------------------------------------------------------------------------


def test_rename_own_team_only(client, crew):
    league, owner, manager, member = crew
    teams = client.get(f"{API}/leagues/{league['id']}/teams", headers=owner["headers"]).get_json()
    mine = next(team for team in teams if team["user_id"] == member["id"])
    other = next(team for team in teams if team["user_id"] == owner["id"])
    renamed = client.patch(f"{API}/teams/{mine['id']}", json={"name": "Mia Speed"}, headers=member["headers"])
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Mia Speed"
    assert (
        client.patch(f"{API}/teams/{other['id']}", json={"name": "Hijacked"}, headers=member["headers"]).status_code
        == 403
    )
    assert (
        client.patch(f"{API}/teams/{mine['id']}", json={"name": "OLIVIA"}, headers=member["headers"]).status_code == 409
    )
    assert client.get(f"{API}/teams/{other['id']}", headers=member["headers"]).get_json()["name"] == "olivia"


def test_other_users_team_ids_are_404(client, crew, make_user):
    league, owner, manager, member = crew
    stranger = make_user("sam")
    team_id = client.get(f"{API}/leagues/{league['id']}/teams", headers=owner["headers"]).get_json()[0]["id"]
    assert client.get(f"{API}/teams/{team_id}", headers=stranger["headers"]).status_code == 404
    assert (
        client.patch(f"{API}/teams/{team_id}", json={"name": "Mine now"}, headers=stranger["headers"]).status_code
        == 404
    )
    assert client.get(f"{API}/teams/999999", headers=stranger["headers"]).status_code == 404


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"name": "ab", "season": 2025},
        {"name": "x" * 61, "season": 2025},
        {"name": "   ", "season": 2025},
        {"name": "Fine name"},
        {"name": "Fine name", "season": "2025"},
        {"name": "Fine name", "season": 2025, "max_teams": 0},
        {"name": "Fine name", "season": 2025, "max_teams": 1},
        {"name": "Fine name", "season": 2025, "max_teams": 11, "picks_per_team": 2},
        {"name": "Fine name", "season": 2025, "max_teams": 10 ** 30},
        {"name": "Fine name", "season": 2025, "picks_per_team": 5},
        {"name": "Fine name", "season": 2025, "mode": "arcade"},
        {"name": "Fine name", "season": 2025, "ruleset": "made-up"},
        {"name": "Fine name", "season": 2025, "owner_id": 5},
        {"name": "Fine name", "season": 2025, "invite_code": "abcdefgh1"},
        {"name": "Fine name", "season": 2025, "team_name": "ab"},
        {"name": "Fine name", "season": 2025, "description": "d" * 501},
        {"name": "Fine name", "season": 2025, "pick_seconds": -1},
        {"name": "Fine name", "season": 2025, "autopick_on_lock": "sometimes"},
        {"name": "x" * 10_000, "season": 2025},
        [],
    ],
)
def test_create_bad_input_is_4xx_and_stores_nothing(client, app, owner, body):
    response = client.post(f"{API}/leagues", json=body, headers=owner["headers"])
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == 422
    assert (count(app, League), count(app, Membership), count(app, FantasyTeam)) == (0, 0, 0)


@pytest.mark.parametrize(
    "body",
    [{"team_name": "ab"}, {"team_name": "t" * 61}, {}, {"team_name": 5}, {"team_name": "Good Name", "extra": 1}],
)
def test_join_bad_input_is_422_and_stores_nothing(client, app, owner, make_user, body):
    league = create(client, owner, visibility="public")
    joiner = make_user("jo")
    response = client.post(f"{API}/leagues/{league['id']}/join", json=body, headers=joiner["headers"])
    assert response.status_code == 422
    assert count(app, Membership) == 1


@pytest.mark.parametrize(
    "body", [{"name": "ab"}, {"season": 2024}, {"owner_id": 2}, {"invite_code": "x" * 12}, {"max_teams": "5"}]
)
def test_update_bad_input_is_422_and_changes_nothing(client, owner, body):
    league = create(client, owner)
    response = client.patch(f"{API}/leagues/{league['id']}", json=body, headers=owner["headers"])
    assert response.status_code == 422
    after = client.get(f"{API}/leagues/{league['id']}", headers=owner["headers"]).get_json()
    assert after == {**league, "my_role": "owner"}
