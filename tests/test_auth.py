"""Accounts and tokens (§5): every flow, the token-misuse matrix, and bad input."""
from datetime import datetime, timedelta, timezone

import jwt as pyjwt
import pytest
import redis
import time_machine
from sqlalchemy import func, select

from auth_helpers import assert_401, forge, me, refresh
from conftest import PASSWORD, AuthActions, bearer
from fantasy.auth import families, tokens
from fantasy.auth.jwt_manager import _remembered_header
from fantasy.auth.models import User
from fantasy.extensions import db


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


# --- flows -------------------------------------------------------------------------------------


def test_register_returns_profile_without_secrets(client):
    response = client.post(
        "/api/v1/auth/register",
        json={"username": "Alice_1", "email": "Alice@Example.com", "password": PASSWORD},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["username"] == "Alice_1" and body["email"] == "Alice@Example.com"
    assert body["role"] == "user" and body["is_active"] is True
    assert "password" not in response.get_data(as_text=True)
    assert "password_hash" not in body


@pytest.mark.parametrize("login", ["alice", "ALICE", "alice@example.com", "Alice@Example.COM"])
def test_login_by_username_or_email_any_case(auth, client, login):
    auth.register("alice")
    tokens = auth.login(login)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    assert me(client, tokens["access_token"]).get_json()["username"] == "alice"


def test_tokens_are_hs256_with_string_subject_and_lifetimes(auth, app):
    user, tokens = auth.signup()
    access = pyjwt.decode(tokens["access_token"], app.config["JWT_SECRET_KEY"], algorithms=["HS256"])
    refresh_claims = pyjwt.decode(tokens["refresh_token"], app.config["JWT_SECRET_KEY"], algorithms=["HS256"])
    assert pyjwt.get_unverified_header(tokens["access_token"])["alg"] == "HS256"
    assert access["sub"] == str(user["id"]) and access["type"] == "access"
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh_claims["type"] == "refresh" and refresh_claims["exp"] - refresh_claims["iat"] == 7 * 24 * 3600
    assert access["fam"] == refresh_claims["fam"]


def test_wrong_password_and_unknown_user_look_the_same(auth, client):
    auth.register("alice")
    wrong = client.post("/api/v1/auth/login", json={"login": "alice", "password": "wrong password!"})
    unknown = client.post("/api/v1/auth/login", json={"login": "nobody", "password": "wrong password!"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["message"] == unknown.get_json()["message"]


def test_refresh_rotates_and_old_access_token_keeps_working_until_expiry(auth, client):
    _, tokens = auth.signup()
    rotated = refresh(client, tokens["refresh_token"])
    assert rotated.status_code == 200
    new = rotated.get_json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert me(client, new["access_token"]).status_code == 200
    assert refresh(client, new["refresh_token"]).status_code == 200


def test_reused_refresh_token_revokes_the_whole_family(auth, client):
    _, tokens = auth.signup()
    new = refresh(client, tokens["refresh_token"]).get_json()
    assert_401(refresh(client, tokens["refresh_token"]))
    assert_401(refresh(client, new["refresh_token"]))
    assert_401(me(client, new["access_token"]))


def test_reuse_leaves_other_sessions_alone(auth, client):
    _, first = auth.signup()
    second = auth.login()
    refresh(client, first["refresh_token"])
    refresh(client, first["refresh_token"])
    assert me(client, second["access_token"]).status_code == 200


def test_logout_revokes_this_session_only(auth, client):
    _, first = auth.signup()
    second = auth.login()
    assert client.post("/api/v1/auth/logout", headers=bearer(first["access_token"])).status_code == 204
    assert_401(me(client, first["access_token"]))
    assert_401(refresh(client, first["refresh_token"]))
    assert me(client, second["access_token"]).status_code == 200


def test_logout_all_revokes_every_session(auth, client):
    _, first = auth.signup()
    second = auth.login()
    assert client.post("/api/v1/auth/logout-all", headers=bearer(first["access_token"])).status_code == 204
    for pair in (first, second):
        assert_401(me(client, pair["access_token"]))
        assert_401(refresh(client, pair["refresh_token"]))
    assert me(client, auth.login()["access_token"]).status_code == 200


def test_profile_update_changes_only_allowed_fields(auth, client, app):
    user, tokens = auth.signup()
    response = client.patch(
        "/api/v1/users/me", headers=bearer(tokens["access_token"]), json={"username": "alice_2"}
    )
    assert response.status_code == 200 and response.get_json()["username"] == "alice_2"
    assert auth.login("alice_2")


@pytest.mark.parametrize("field, value", [("role", "admin"), ("is_active", False), ("id", 99), ("password", "x" * 12)])
def test_profile_update_rejects_mass_assignment(auth, client, app, field, value):
    user, tokens = auth.signup()
    response = client.patch("/api/v1/users/me", headers=bearer(tokens["access_token"]), json={field: value})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]
    with app.app_context():
        stored = db.session.get(User, user["id"])
        assert stored.role.value == "user" and stored.is_active and stored.id == user["id"]


def test_profile_update_to_taken_name_in_other_case_is_409(auth, client):
    auth.register("bob")
    _, tokens = auth.signup("alice")
    response = client.patch("/api/v1/users/me", headers=bearer(tokens["access_token"]), json={"username": "BOB"})
    assert response.status_code == 409
    assert me(client, tokens["access_token"]).get_json()["username"] == "alice"


def test_password_change_needs_current_password_and_revokes_sessions(auth, client):
    _, tokens = auth.signup()
    other = auth.login()
    wrong = client.post(
        "/api/v1/users/me/password",
        headers=bearer(tokens["access_token"]),
        json={"current_password": "not my password", "new_password": "a brand new secret"},
    )
    assert wrong.status_code == 401
    assert me(client, tokens["access_token"]).status_code == 200

    changed = client.post(
        "/api/v1/users/me/password",
        headers=bearer(tokens["access_token"]),
        json={"current_password": PASSWORD, "new_password": "a brand new secret"},
    )
    assert changed.status_code == 200
    assert_401(refresh(client, tokens["refresh_token"]))
    assert_401(refresh(client, other["refresh_token"]))
    assert me(client, changed.get_json()["access_token"]).status_code == 200
    assert client.post("/api/v1/auth/login", json={"login": "alice", "password": PASSWORD}).status_code == 401
    assert auth.login("alice", "a brand new secret")


class RedisWritesFail:
    """The app's Redis, except that every write fails: Redis going down right after a database commit."""

    WRITES = {"set", "sadd", "smembers", "delete", "pipeline", "expire"}

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        if name in self.WRITES:
            raise redis.ConnectionError("Redis went away")
        return getattr(self.real, name)


@pytest.mark.parametrize("path, body", [
    ("/api/v1/auth/logout-all", None),
    ("/api/v1/users/me/password", {"current_password": PASSWORD, "new_password": "a brand new secret"}),
])
def test_ending_every_session_holds_even_if_redis_fails_after_the_commit(auth, client, monkeypatch, path, body):
    _, first = auth.signup()
    second = auth.login()
    live_redis = families.get_redis
    monkeypatch.setattr(families, "get_redis", lambda: RedisWritesFail(live_redis()))
    ended = client.post(path, json=body, headers=bearer(first["access_token"]))
    monkeypatch.undo()
    assert ended.status_code in (200, 204), ended.get_json()
    for pair in (first, second):
        assert_401(me(client, pair["access_token"]))
        assert_401(refresh(client, pair["refresh_token"]))


def test_a_login_racing_logout_all_gets_no_surviving_session(app, auth, client):
    user, pair = auth.signup()
    with app.app_context():
        racing = db.session.get(User, user["id"])  # the login has read the account...
        assert racing.token_version == 0
    assert client.post("/api/v1/auth/logout-all", headers=bearer(pair["access_token"])).status_code == 204
    with app.app_context():
        late = tokens.issue_pair(racing)  # ...and issues its pair after logout-all committed
    assert_401(me(client, late["access_token"]))
    assert me(client, auth.login()["access_token"]).status_code == 200


# --- admin -------------------------------------------------------------------------------------


def test_admin_deactivation_takes_effect_on_next_request(auth, client, admin_tokens):
    user, tokens = auth.signup("carol")
    assert me(client, tokens["access_token"]).status_code == 200
    response = client.post(
        f"/api/v1/admin/users/{user['id']}/deactivate", headers=bearer(admin_tokens["access_token"])
    )
    assert response.status_code == 200 and response.get_json()["is_active"] is False
    assert_401(me(client, tokens["access_token"]))
    assert_401(refresh(client, tokens["refresh_token"]))
    assert client.post("/api/v1/auth/login", json={"login": "carol", "password": PASSWORD}).status_code == 401
    client.post(f"/api/v1/admin/users/{user['id']}/activate", headers=bearer(admin_tokens["access_token"]))
    assert me(client, auth.login("carol")["access_token"]).status_code == 200


def test_admin_routes_refuse_users_and_anonymous(auth, client, admin_tokens):
    user, tokens = auth.signup("dave")
    assert client.get("/api/v1/admin/users", headers=bearer(tokens["access_token"])).status_code == 403
    assert client.get("/api/v1/admin/users").status_code == 401
    listed = client.get("/api/v1/admin/users", headers=bearer(admin_tokens["access_token"]))
    assert listed.status_code == 200
    assert {row["username"] for row in listed.get_json()} == {"root", "dave"}
    assert "X-Pagination" in listed.headers
    missing = client.post("/api/v1/admin/users/999999/deactivate", headers=bearer(admin_tokens["access_token"]))
    assert missing.status_code == 404


def test_admin_cannot_deactivate_self(client, admin_tokens, app):
    with app.app_context():
        admin_id = db.session.scalars(select(User.id).where(User.username_key == "root")).one()
    response = client.post(f"/api/v1/admin/users/{admin_id}/deactivate", headers=bearer(admin_tokens["access_token"]))
    assert response.status_code == 409


def test_admin_bootstrap_from_settings_and_cli(app, runner):
    app.config.update(ADMIN_EMAIL="boss@example.com", ADMIN_PASSWORD="boss password 123")
    try:
        first = runner.invoke(args=["users", "bootstrap-admin"])
        second = runner.invoke(args=["users", "bootstrap-admin"])
    finally:
        app.config.update(ADMIN_EMAIL="", ADMIN_PASSWORD="")
    assert "created" in first.output and "already present" in second.output
    made = runner.invoke(
        args=["users", "create-admin", "--username", "ops", "--email", "ops@example.com",
              "--password", "ops password 12"]
    )
    assert made.exit_code == 0, made.output
    bad = runner.invoke(args=["users", "create-admin", "--username", "x", "--email", "nope", "--password", "short"])
    assert bad.exit_code != 0 and "invalid admin account" in bad.output
    with app.app_context():
        admins = db.session.scalars(select(User.username).where(User.role == "admin")).all()
    assert sorted(admins) == ["admin", "ops"]


def role_of(app, username: str) -> str:
    with app.app_context():
        return db.session.scalars(select(User.role).where(User.username_key == username)).one().value


def test_bootstrap_never_promotes_whoever_registered_the_admin_email_first(app, runner, auth):
    auth.register("mallory", email="OPS@example.com", password="mallory's own password")
    app.config.update(ADMIN_EMAIL="ops@example.com", ADMIN_PASSWORD="the real admin password")
    try:
        refused = runner.invoke(args=["users", "bootstrap-admin"])
    finally:
        app.config.update(ADMIN_EMAIL="", ADMIN_PASSWORD="")
    assert refused.exit_code != 0
    assert "admin refused" in refused.output and "does not match" in refused.output
    assert role_of(app, "mallory") == "user"


def test_bootstrap_promotes_an_existing_account_that_has_the_admin_password(app, runner, auth):
    auth.register("ops", password="the real admin password")
    app.config.update(ADMIN_EMAIL="ops@example.com", ADMIN_PASSWORD="the real admin password")
    try:
        promoted = runner.invoke(args=["users", "bootstrap-admin"])
    finally:
        app.config.update(ADMIN_EMAIL="", ADMIN_PASSWORD="")
    assert promoted.exit_code == 0 and "promoted" in promoted.output
    assert role_of(app, "ops") == "admin"


def test_create_admin_promotes_an_existing_account_only_with_promote(app, runner, auth):
    auth.register("carol")
    args = ["users", "create-admin", "--email", "carol@example.com", "--password", PASSWORD]
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0 and "--promote" in refused.output
    assert role_of(app, "carol") == "user"
    promoted = runner.invoke(args=[*args, "--promote"])
    assert promoted.exit_code == 0 and "promoted" in promoted.output
    assert role_of(app, "carol") == "admin"


# --- token misuse matrix -------------------------------------------------------------------------


def test_refresh_token_is_not_an_access_token(auth, client):
    _, tokens = auth.signup()
    assert_401(me(client, tokens["refresh_token"]))


def test_access_token_cannot_refresh(auth, client):
    _, tokens = auth.signup()
    assert_401(refresh(client, tokens["access_token"]))


def test_tampered_signature(auth, client):
    _, tokens = auth.signup()
    head, payload, signature = tokens["access_token"].split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert_401(me(client, f"{head}.{payload}.{flipped}"))


def test_a_token_is_verified_once_per_process(auth, client, monkeypatch):
    """The first use verifies the token (one parse) and the library reads its header (another); later uses
    parse nothing. flask-jwt-extended alone parses a token four times on every request."""
    _, tokens = auth.signup()
    parses = []
    original = pyjwt.api_jws.PyJWS._load
    monkeypatch.setattr(pyjwt.api_jws.PyJWS, "_load", lambda self, token: parses.append(token) or original(self, token))
    assert me(client, tokens["access_token"]).status_code == 200
    assert parses == [tokens["access_token"]] * 2
    assert me(client, tokens["access_token"]).status_code == 200
    assert parses == [tokens["access_token"]] * 2


def test_each_use_of_a_remembered_header_gets_its_own_copy(auth):
    _, tokens = auth.signup()
    first = _remembered_header(tokens["access_token"])
    first["alg"] = "none"
    assert _remembered_header(tokens["access_token"]) == {"alg": "HS256", "typ": "JWT"}


def test_a_remembered_token_does_not_vouch_for_a_tampered_one(auth, client):
    _, tokens = auth.signup()
    assert me(client, tokens["access_token"]).status_code == 200
    head, payload, signature = tokens["access_token"].split(".")
    claims = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})
    other = pyjwt.utils.base64url_encode(pyjwt.api_jwt.json.dumps({**claims, "sub": "1"}).encode()).decode()
    assert_401(me(client, f"{head}.{other}.{signature}"))
    assert_401(me(client, f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"))


def test_remembered_claims_are_a_fresh_copy_for_each_use(app):
    """Down to nested values: a request that changes its claims cannot change the next one's."""
    from flask_jwt_extended import create_access_token, decode_token

    with app.test_request_context():
        token = create_access_token(identity="1", additional_claims={"scopes": ["read"], "meta": {"a": 1}})
        first = decode_token(token)
        first["sub"], first["meta"]["a"] = "someone else", 2
        first["scopes"].append("write")
        again = decode_token(token)
        assert (again["sub"], again["scopes"], again["meta"]) == ("1", ["read"], {"a": 1})


def test_a_decode_key_loader_cannot_be_registered(app):
    from fantasy.extensions import jwt

    with pytest.raises(TypeError, match="decode-key loader"):
        jwt.decode_key_loader(lambda header, claims: "another key")


def test_alg_none_is_refused(auth, client, app):
    _, tokens = auth.signup()
    claims = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})
    unsigned = pyjwt.encode(claims, None, algorithm="none")
    assert_401(me(client, unsigned))


def test_expired_token(auth, client, app):
    _, tokens = auth.signup()
    claims = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})
    claims["exp"] = claims["iat"] - 1
    body = assert_401(me(client, forge(app, claims)))
    assert "expired" in body["message"]


def test_token_signed_with_another_key(auth, client, app):
    _, tokens = auth.signup()
    claims = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert_401(me(client, forge(app, claims, key="another-key-of-at-least-32-bytes!!")))


def test_deleted_user(auth, client, app):
    user, tokens = auth.signup()
    with app.app_context():
        db.session.delete(db.session.get(User, user["id"]))
        db.session.commit()
    assert_401(me(client, tokens["access_token"]))


@pytest.mark.parametrize("header", ["Bearer", "Bearer not.a.jwt", "Basic abc", "Bearer a.b", ""])
def test_malformed_authorization_headers(client, header):
    assert_401(client.get("/api/v1/users/me", headers={"Authorization": header}))


def test_token_without_family_is_refused(auth, client, app):
    _, tokens = auth.signup()
    claims = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})
    del claims["fam"]
    assert_401(me(client, forge(app, claims)))


def test_access_lifetime_setting_sets_the_token_expiry(app, backing_urls):
    from fantasy import create_app

    short_lived = create_app("testing", overrides={**backing_urls, "JWT_ACCESS_TOKEN_EXPIRES": timedelta(seconds=60)})
    short = short_lived.test_client()
    AuthActions(short).register("alice")
    tokens = AuthActions(short).login("alice")
    claims = pyjwt.decode(tokens["access_token"], short_lived.config["JWT_SECRET_KEY"], algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 60 and tokens["expires_in"] == 60
    assert me(short, tokens["access_token"]).status_code == 200
    with time_machine.travel(datetime.fromtimestamp(claims["exp"] + 1, timezone.utc)):
        assert "expired" in assert_401(me(short, tokens["access_token"]))["message"]


# --- bad input ---------------------------------------------------------------------------------

LONG = "x" * 10_000


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "alice", "email": "alice@example.com"},
        {"username": 5, "email": "alice@example.com", "password": PASSWORD},
        {"username": ["a"], "email": "alice@example.com", "password": PASSWORD},
        {"username": "al", "email": "alice@example.com", "password": PASSWORD},
        {"username": "a" * 31, "email": "alice@example.com", "password": PASSWORD},
        {"username": "alice!", "email": "alice@example.com", "password": PASSWORD},
        {"username": "alice", "email": "not-an-email", "password": PASSWORD},
        {"username": "alice", "email": "alice@example.com", "password": "short"},
        {"username": "alice", "email": "alice@example.com", "password": "p" * 129},
        {"username": LONG, "email": "alice@example.com", "password": PASSWORD},
        {"username": "alice", "email": LONG + "@example.com", "password": PASSWORD},
        {"username": "alice", "email": "alice@example.com", "password": LONG},
        {"username": "alice", "email": "alice@example.com", "password": PASSWORD, "role": "admin"},
        {"username": "alice", "email": "alice@example.com", "password": None},
        ["alice"],
        "alice",
    ],
)
def test_register_bad_input_is_422_and_stores_nothing(client, app, body):
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == 422
    assert user_count(app) == 0


@pytest.mark.parametrize(
    "duplicate",
    [
        {"username": "ALICE", "email": "other@example.com"},
        {"username": "other", "email": "ALICE@EXAMPLE.COM"},
    ],
)
def test_register_duplicate_in_other_case_is_409(auth, client, app, duplicate):
    auth.register("alice")
    response = client.post("/api/v1/auth/register", json={**duplicate, "password": PASSWORD})
    assert response.status_code == 409
    assert response.get_json()["errors"]
    assert user_count(app) == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"login": "alice"}, {"login": 1, "password": PASSWORD}, {"login": LONG, "password": PASSWORD},
     {"login": "alice", "password": LONG}, {"login": "alice", "password": PASSWORD, "remember": True}],
)
def test_login_bad_input_is_422(auth, client, body):
    auth.register("alice")
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]


@pytest.mark.parametrize(
    "body",
    [{"username": 5}, {"email": "nope"}, {"username": LONG}, {"username": None}, {"unknown": 1}, []],
)
def test_profile_bad_input_is_422_and_changes_nothing(auth, client, body):
    _, tokens = auth.signup()
    response = client.patch("/api/v1/users/me", headers=bearer(tokens["access_token"]), json=body)
    assert response.status_code == 422
    assert me(client, tokens["access_token"]).get_json()["username"] == "alice"


@pytest.mark.parametrize(
    "body",
    [{}, {"current_password": PASSWORD}, {"current_password": PASSWORD, "new_password": "short"},
     {"current_password": PASSWORD, "new_password": LONG}, {"current_password": 1, "new_password": PASSWORD},
     {"current_password": PASSWORD, "new_password": "a brand new secret", "extra": 1}],
)
def test_password_bad_input_is_422_and_keeps_password(auth, client, body):
    _, tokens = auth.signup()
    response = client.post("/api/v1/users/me/password", headers=bearer(tokens["access_token"]), json=body)
    assert response.status_code == 422
    assert auth.login("alice", PASSWORD)
