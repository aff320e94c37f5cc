"""The permission matrix: every league-scoped route × every kind of caller × private and public."""
from copy import deepcopy

import pytest

from conftest import record, write_back

API = "/api/v1"
ACTORS = ("anonymous", "non_member", "member", "manager", "owner", "admin")

# route -> (method, path template, body, {actor: status}); non_member has a (private, public) pair.
MATRIX = {
    "read league": ("get", "/leagues/{league}", None,
                    dict(non_member=(404, 200), member=200, manager=200, owner=200, admin=200)),
    "update league": ("patch", "/leagues/{league}", {"description": "New words"},
                      dict(non_member=(404, 403), member=403, manager=200, owner=200, admin=200)),
    "delete league": ("delete", "/leagues/{league}", None,
                      dict(non_member=(404, 403), member=403, manager=403, owner=204, admin=204)),
    "join public": ("post", "/leagues/{league}/join", {"team_name": "Brand New Team"},
                    dict(non_member=(404, 201), member=409, manager=409, owner=409, admin=(409, 201))),
    "leave": ("post", "/leagues/{league}/leave", None,
              dict(non_member=(404, 403), member=204, manager=204, owner=409, admin=409)),
    "regenerate invite": ("post", "/leagues/{league}/invite-code", None,
                          dict(non_member=(404, 403), member=403, manager=201, owner=201, admin=201)),
    "list members": ("get", "/leagues/{league}/members", None,
                     dict(non_member=(404, 403), member=200, manager=200, owner=200, admin=200)),
    "change role": ("patch", "/leagues/{league}/members/{member_id}", {"role": "manager"},
                    dict(non_member=(404, 403), member=403, manager=403, owner=200, admin=200)),
    "remove member": ("delete", "/leagues/{league}/members/{member_id}", None,
                      dict(non_member=(404, 403), member=403, manager=204, owner=204, admin=204)),
    "transfer": ("post", "/leagues/{league}/transfer", {"user_id": "{member_id}"},
                 dict(non_member=(404, 403), member=403, manager=403, owner=200, admin=200)),
    "list teams": ("get", "/leagues/{league}/teams", None,
                   dict(non_member=(404, 403), member=200, manager=200, owner=200, admin=200)),
    "read team": ("get", "/teams/{owner_team}", None,
                  dict(non_member=(404, 403), member=200, manager=200, owner=200, admin=200)),
    "rename team": ("patch", "/teams/{member_team}", {"name": "Renamed Team"},
                    dict(non_member=(404, 403), member=200, manager=403, owner=403, admin=200)),
}


@pytest.fixture(params=["private", "public"])
def world(request, app, client, make_user, recordings):
    """Five people and a league of the given visibility, built through the API once per session and written
    back for every other test of the matrix (conftest.write_back): the same rows, ids and tokens (issued at the
    first build, valid for JWT_ACCESS_TOKEN_SECONDS: 15 minutes, more than a worker's whole run)."""
    visibility = request.param
    if (recorded := recordings.get(f"permissions_{visibility}")) is not None:
        write_back(app, recorded[0])
        return deepcopy(recorded[1])
    people = {name: make_user(name) for name in ("owner", "manager", "member", "non_member")}
    people["admin"] = make_user("admin", admin=True)
    owner = people["owner"]
    league = client.post(
        f"{API}/leagues", json={"name": "Matrix League", "season": 2025, "mode": "replay", "visibility": visibility},
        headers=owner["headers"],
    ).get_json()
    for name in ("manager", "member"):
        response = client.post(
            f"{API}/leagues/join", json={"invite_code": league["invite_code"], "team_name": f"{name} team"},
            headers=people[name]["headers"],
        )
        assert response.status_code == 201
        people[name]["team"] = response.get_json()["id"]
    client.patch(
        f"{API}/leagues/{league['id']}/members/{people['manager']['id']}", json={"role": "manager"},
        headers=owner["headers"],
    )
    owner_team = client.get(f"{API}/leagues/{league['id']}/teams", headers=owner["headers"]).get_json()[0]["id"]
    ids = {"league": league["id"], "member_id": people["member"]["id"], "owner_team": owner_team,
           "member_team": people["member"]["team"]}
    built = visibility, people, ids
    recordings[f"permissions_{visibility}"] = record(app, f"permissions_{visibility}"), deepcopy(built)
    return built


def fill(template, ids):
    if isinstance(template, str):
        value = template.format(**ids)
        return int(value) if value.isdigit() and template.startswith("{") else value
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    return template


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_permission_matrix(client, world, route, actor):
    visibility, people, ids = world
    method, path, body, expected = MATRIX[route]
    if actor == "anonymous":
        status, headers = 401, {}
    else:
        status = expected[actor]
        if isinstance(status, tuple):
            status = status[0] if visibility == "private" else status[1]
        headers = people[actor]["headers"]
    response = getattr(client, method)(API + fill(path, ids), json=fill(body, ids), headers=headers)
    assert response.status_code == status, (route, actor, visibility, response.get_json())
    if status >= 400:
        assert response.get_json()["code"] == status
    if status in (403, 404):
        assert "invite_code" not in response.get_data(as_text=True)
