"""Headers a client or a cache acts on: no-store where an answer carries a secret, Retry-After only when it is meant."""
import pytest

from conftest import PASSWORD, bearer

API = "/api/v1"


def assert_never_cached(response, status):
    assert response.status_code == status, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


@pytest.fixture
def crew(client, make_user):
    """A private league's owner, a manager and a member."""
    owner, manager, member = make_user("owner"), make_user("manager"), make_user("member")
    league = client.post(f"{API}/leagues", json={"name": "Secret Club", "season": 2025, "mode": "replay"},
                         headers=owner["headers"]).get_json()
    for user in (manager, member):
        joined = client.post(f"{API}/leagues/join", headers=user["headers"],
                             json={"invite_code": league["invite_code"], "team_name": user["username"]})
        assert joined.status_code == 201
    promoted = client.patch(f"{API}/leagues/{league['id']}/members/{manager['id']}", json={"role": "manager"},
                            headers=owner["headers"])
    assert promoted.status_code == 200
    return league, owner, manager, member


def test_the_stream_ticket_is_never_cached(client, make_user):
    user = make_user("alice")
    ticket = client.post(f"{API}/events/ticket", headers=user["headers"])
    assert_never_cached(ticket, 201)
    assert ticket.get_json()["ticket"]


def test_league_answers_that_carry_the_invite_code_are_never_cached(client, make_user, crew):
    league, owner, manager, member = crew
    created = client.post(f"{API}/leagues", json={"name": "Another Club", "season": 2025, "mode": "replay"},
                          headers=owner["headers"])
    assert_never_cached(created, 201)
    url = f"{API}/leagues/{league['id']}"
    answers = {
        "created": created,
        "owner reads": client.get(url, headers=owner["headers"]),
        "manager reads": client.get(url, headers=manager["headers"]),
        "manager edits": client.patch(url, json={"description": "Friends only"}, headers=manager["headers"]),
        "owner regenerates": client.post(f"{url}/invite-code", headers=owner["headers"]),
        "owner transfers": client.post(f"{url}/transfer", json={"user_id": manager["id"]}, headers=owner["headers"]),
    }
    for name, answer in answers.items():
        assert answer.status_code in (200, 201), (name, answer.get_json())
        assert answer.get_json()["invite_code"], name
        assert_never_cached(answer, answer.status_code)
    # The same route read by a plain member carries no code, and is just as uncached: one rule per route.
    read_by_member = client.get(url, headers=member["headers"])
    assert "invite_code" not in read_by_member.get_json()
    assert_never_cached(read_by_member, 200)


def test_league_lists_without_codes_may_be_cached(client, crew):
    _, owner, _, _ = crew
    mine = client.get(f"{API}/leagues", headers=owner["headers"])
    assert mine.status_code == 200 and "invite_code" not in mine.get_json()[0]
    assert "Cache-Control" not in mine.headers


def test_retry_after_only_on_429_and_503(client, auth, make_user):
    registered = client.post(f"{API}/auth/register",
                             json={"username": "alice", "email": "alice@example.com", "password": PASSWORD})
    answers = [registered]
    answers.append(client.post(f"{API}/auth/login", json={"login": "alice", "password": PASSWORD}))
    refresh = answers[-1].get_json()["refresh_token"]
    answers.append(client.post(f"{API}/auth/refresh", headers=bearer(refresh)))
    answers += [client.post(f"{API}/auth/login", json={"login": "alice", "password": "wrong password!"})
                for _ in range(9)]
    assert [answer.status_code for answer in answers] == [201, 200, 200] + [401] * 9
    assert [answer.headers.get("Retry-After") for answer in answers] == [None] * 12
    refused = client.post(f"{API}/auth/login", json={"login": "alice", "password": PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
