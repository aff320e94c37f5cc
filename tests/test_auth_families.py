"""Token families (§5) live in the database with Redis as their cache: losing Redis's data, or Redis
itself, costs speed, never a revocation; a signed token that names no possible user is a 401."""
from datetime import datetime, timedelta, timezone

import jwt as pyjwt
import pytest
import time_machine
from sqlalchemy import event

from auth_helpers import assert_401, forge, me, refresh
from concurrency import race
from conftest import bearer
from fantasy.auth import service
from fantasy.auth.families import FAMILY
from fantasy.common.redis import get_redis
from fantasy.common.snapshots import SNAPSHOT_SECONDS
from fantasy.extensions import db


def flush_redis(app) -> None:
    """Redis restarted empty: no persistence, a failover, an operator's flush."""
    with app.app_context():
        get_redis().flushdb()


def logout(client, token):
    return client.post("/api/v1/auth/logout", headers=bearer(token))


def test_a_logout_survives_redis_losing_its_data(app, auth, client):
    _, pair = auth.signup()
    other = auth.login()
    assert logout(client, pair["access_token"]).status_code == 204
    flush_redis(app)
    assert_401(refresh(client, pair["refresh_token"]))
    assert_401(me(client, pair["access_token"]))
    # The other session only paid a database look-up.
    assert me(client, other["access_token"]).status_code == 200
    assert refresh(client, other["refresh_token"]).status_code == 200


def test_reuse_of_a_rotated_refresh_token_after_a_flush_still_kills_the_family(app, auth, client):
    _, first = auth.signup()
    second = refresh(client, first["refresh_token"]).get_json()
    flush_redis(app)
    assert_401(refresh(client, first["refresh_token"]))
    assert_401(refresh(client, second["refresh_token"]))
    assert_401(me(client, second["access_token"]))
    assert_401(me(client, first["access_token"]))


def test_rotation_keeps_going_across_a_flush(app, auth, client):
    _, first = auth.signup()
    second = refresh(client, first["refresh_token"]).get_json()
    flush_redis(app)
    third = refresh(client, second["refresh_token"])
    assert third.status_code == 200, third.get_json()
    assert me(client, third.get_json()["access_token"]).status_code == 200


def test_two_refreshes_racing_with_one_token_give_one_pair_and_kill_the_family(app, auth, client):
    """The current refresh token is swapped by a conditional UPDATE: the loser sees a used token."""
    _, pair = auth.signup()
    responses = []

    def send(racer):
        response = refresh(racer, pair["refresh_token"])
        responses.append(response)
        return response

    assert sorted(race(app, [send, send])) == [200, 401]
    winner = next(response.get_json() for response in responses if response.status_code == 200)
    assert_401(refresh(client, winner["refresh_token"]))
    assert_401(me(client, winner["access_token"]))


def test_with_redis_down_a_logout_made_before_still_holds_and_live_sessions_read(client, make_user, redis_down):
    ended, live = make_user("alice")["tokens"], make_user("bob")["tokens"]
    assert logout(client, ended["access_token"]).status_code == 204
    down = redis_down.test_client()
    assert_401(down.get("/api/v1/users/me", headers=bearer(ended["access_token"])))
    assert down.get("/api/v1/users/me", headers=bearer(live["access_token"])).status_code == 200


def test_with_redis_down_a_logout_is_stored_and_holds_once_redis_is_back(app, client, make_user, redis_down):
    pair = make_user("alice")["tokens"]
    assert me(client, pair["access_token"]).status_code == 200  # its family is cached as live
    down = redis_down.test_client()
    assert logout(down, pair["access_token"]).status_code == 204
    assert_401(down.get("/api/v1/users/me", headers=bearer(pair["access_token"])))
    # The live entry cached before the outage is the one thing that lags: for the rest of its minute.
    family = pyjwt.decode(pair["access_token"], options={"verify_signature": False})["fam"]
    with app.app_context():
        assert 0 < get_redis().ttl(FAMILY.format(family)) <= SNAPSHOT_SECONDS
        get_redis().delete(FAMILY.format(family))  # as its expiry would
    assert_401(me(client, pair["access_token"]))


def test_the_daily_cleanup_deletes_only_families_past_their_refresh_lifetime(app, auth, client):
    _, old = auth.signup()
    lifetime = app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    with time_machine.travel(datetime.now(timezone.utc) + lifetime - timedelta(hours=1), tick=False):
        recent = auth.login()
    with time_machine.travel(datetime.now(timezone.utc) + lifetime + timedelta(minutes=1), tick=False):
        with app.app_context():
            assert service.delete_expired_families(datetime.now(timezone.utc)) == 1
            assert service.delete_expired_families(datetime.now(timezone.utc)) == 0
        assert_401(refresh(client, old["refresh_token"]))
        assert refresh(client, recent["refresh_token"]).status_code == 200


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("subject", ["99999999999999999999", "2147483648", "-1", "0", "abc", "", " {id}", "+{id}",
                                     "{id}.0", "0{id}", "arabic-indic"])
def test_a_signed_token_naming_no_possible_user_is_401(app, auth, client, subject):
    """Python's int() reads " 1", "+1", "01" and "١" as 1: only the id as we write it names a user."""
    user, pair = auth.signup()
    claims = pyjwt.decode(pair["access_token"], options={"verify_signature": False})
    subject = str(user["id"]).translate(ARABIC_INDIC) if subject == "arabic-indic" else subject.format(id=user["id"])
    body = assert_401(me(client, forge(app, {**claims, "sub": subject})))
    assert body["message"] in ("Token has been revoked", "Account not found or deactivated"), body


def test_an_emptied_redis_costs_one_family_lookup_then_the_check_is_one_round_trip_again(
    app, auth, client, monkeypatch
):
    _, pair = auth.signup()
    assert me(client, pair["access_token"]).status_code == 200
    flush_redis(app)
    statements, commands = [], []
    with app.app_context():
        engine, redis = db.engine, get_redis()
    execute_command = type(redis).execute_command
    monkeypatch.setattr(
        type(redis),
        "execute_command",
        lambda self, *args, **kwargs: commands.append(args[0]) or execute_command(self, *args, **kwargs),
    )

    def record(_conn, _cursor, statement, *_args):
        if statement.strip().upper() not in ("SELECT 1", "BEGIN", "BEGIN IMMEDIATE"):  # pre-ping, SQLite's BEGIN
            statements.append(statement.split("FROM ")[1].split()[0])

    event.listen(engine, "before_cursor_execute", record)
    try:
        answers = []
        for _ in range(2):
            answers.append(me(client, pair["access_token"]).status_code)
            answers.append((list(statements), list(commands)))
            statements.clear(), commands.clear()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # The miss: the family's row, then the user's (the principal snapshot went too); both cached again.
    # /users/me loads the row itself on every request, which is why `users` comes back in the hit.
    assert answers == [200, (["token_families", "users"], ["EVAL", "SET", "EVAL"]),
                       200, (["users"], ["EVAL"])], answers
