"""Redis snapshots of principals and league access (fantasy/common/snapshots.py): a cached read needs no
PostgreSQL, and no write — through the API or racing a reader — leaves a snapshot that hides it."""
import json

import pytest
from sqlalchemy import select, update

from conftest import bearer
from drafts_helpers import API, League, driver_id, race_id
from fantasy.common import snapshots
from fantasy.common.redis import get_redis
from fantasy.extensions import db
from fantasy.leagues.access import FACTS
from fantasy.leagues.models import League as LeagueRow


def standings(client, league: League, user: dict):
    return client.get(f"{API}/leagues/{league.id}/standings", headers=user["headers"])


def member_of(league: League) -> dict:
    return next(user for user in league.players.values() if user is not league.owner)


def warm(client, league: League, user: dict) -> None:
    """Two reads: the second is served from the snapshots (test_scoring pins that it makes no SQL)."""
    for _ in range(2):
        assert standings(client, league, user).status_code == 200


def test_a_deactivated_user_is_refused_at_once_on_a_cached_read(client, make_user, admin_tokens):
    league = League(client, make_user, size=2)
    member = member_of(league)
    warm(client, league, member)
    deactivated = client.post(
        f"{API}/admin/users/{member['id']}/deactivate", headers=bearer(admin_tokens["access_token"])
    )
    assert deactivated.status_code == 200
    assert standings(client, league, member).status_code == 401
    assert client.post(f"{API}/admin/users/{member['id']}/activate",
                       headers=bearer(admin_tokens["access_token"])).status_code == 200
    assert standings(client, league, member).status_code == 401  # its tokens stay dead: version moved on


def test_logout_everywhere_ends_cached_reads_of_every_session(client, make_user):
    league = League(client, make_user, size=2)
    member = member_of(league)
    warm(client, league, member)
    assert client.post(f"{API}/auth/logout-all", headers=member["headers"]).status_code == 204
    assert standings(client, league, member).status_code == 401


def test_a_removed_member_loses_cached_access_at_once(client, make_user):
    league = League(client, make_user, size=3)
    member = member_of(league)
    warm(client, league, member)
    removed = client.delete(f"{API}/leagues/{league.id}/members/{member['id']}", headers=league.owner["headers"])
    assert removed.status_code == 204
    assert standings(client, league, member).status_code == 404  # a private league: gone for non-members


def test_role_and_visibility_changes_apply_to_cached_access(client, make_user):
    league = League(client, make_user, size=2, visibility="public")
    outsider = make_user("outsider")
    assert standings(client, league, outsider).status_code == 403  # public: visible, but members only
    assert standings(client, league, outsider).status_code == 403
    made_private = client.patch(f"{API}/leagues/{league.id}", json={"visibility": "private"},
                                headers=league.owner["headers"])
    assert made_private.status_code == 200, made_private.get_json()
    assert standings(client, league, outsider).status_code == 404
    joined = client.post(f"{API}/leagues/join", json={"invite_code": made_private.get_json()["invite_code"],
                                                       "team_name": "Outsiders"}, headers=outsider["headers"])
    assert joined.status_code == 201
    assert standings(client, league, outsider).status_code == 200


def _facts_snapshot(league_id: int, user_id: int) -> snapshots.Snapshot:
    return snapshots.read(snapshots.Read("league", league_id, FACTS.format(league_id, user_id)))[0]


def _rename(app, league_id: int, name: str, *, commit: bool = True):
    """A write of the league row in its own session (another request), committed or left open."""
    context = app.app_context()
    context.push()
    db.session.scalars(select(LeagueRow).where(LeagueRow.id == league_id)).one().name = name
    db.session.flush()
    if commit:
        db.session.commit()
        context.pop()
        return None
    return context


def test_a_row_read_before_a_write_commits_is_never_stored(app, client, make_user):
    league = League(client, make_user, size=2)
    with app.app_context():
        reader = _facts_snapshot(league.id, league.owner["id"])  # a miss: the reader now loads the rows...
        _rename(app, league.id, "Renamed meanwhile")               # ...while a writer commits
        reader.store({"stale": True})
        assert _facts_snapshot(league.id, league.owner["id"]).data is None

        fresh = _facts_snapshot(league.id, league.owner["id"])
        fresh.store({"fresh": True})
        assert _facts_snapshot(league.id, league.owner["id"]).data == {"fresh": True}
        _rename(app, league.id, "Renamed again")
        assert _facts_snapshot(league.id, league.owner["id"]).data is None  # the write invalidated it


def test_no_snapshot_is_stored_while_a_write_is_pending(app, client, make_user):
    league = League(client, make_user, size=2)
    with app.app_context():
        writer = _rename(app, league.id, "Not yet committed", commit=False)
        try:
            with app.app_context():
                reader = _facts_snapshot(league.id, league.owner["id"])
                reader.store({"read": "before the commit"})
                assert _facts_snapshot(league.id, league.owner["id"]).data is None
        finally:
            db.session.commit()
            writer.pop()
        reader.store({"read": "before the commit"})  # stored late: the generation moved at the release
        assert _facts_snapshot(league.id, league.owner["id"]).data is None
        after = _facts_snapshot(league.id, league.owner["id"])
        after.store({"read": "after the commit"})
        assert _facts_snapshot(league.id, league.owner["id"]).data == {"read": "after the commit"}


def test_a_lost_release_only_sends_reads_to_the_database_until_the_pending_mark_expires(
    app, client, make_user, monkeypatch
):
    league = League(client, make_user, size=2, name="Before")
    member = member_of(league)
    warm(client, league, member)
    monkeypatch.setattr(snapshots, "_RELEASE", "this is not lua")  # the release after the commit fails
    renamed = client.patch(f"{API}/leagues/{league.id}", json={"name": "After"}, headers=league.owner["headers"])
    assert renamed.status_code == 200  # the commit stands
    monkeypatch.undo()
    with app.app_context():
        ttl = get_redis().ttl(snapshots.PENDING.format("league", league.id))
    assert 0 < ttl <= snapshots.PENDING_SECONDS
    for _ in range(2):  # correct, from PostgreSQL: the fill is refused while the mark lives
        response = client.get(f"{API}/leagues/{league.id}", headers=member["headers"])
        assert response.get_json()["name"] == "After"
        assert standings(client, league, member).status_code == 200
    with app.app_context():
        assert _facts_snapshot(league.id, member["id"]).data is None


def test_with_redis_down_an_admin_still_deactivates_and_it_applies_at_once(
    app, client, make_user, admin_tokens, redis_down
):
    """Writes of guarded rows go ahead without Redis (readers use the database meanwhile); a snapshot stored
    before the outage can only lag for the rest of its SNAPSHOT_SECONDS."""
    league = League(client, make_user, size=2)
    member = member_of(league)
    warm(client, league, member)
    with app.app_context():
        ttl = get_redis().ttl(f"snap:user:{member['id']}:v1")
    assert 0 < ttl <= snapshots.SNAPSHOT_SECONDS
    down = redis_down.test_client()
    deactivated = down.post(f"{API}/admin/users/{member['id']}/deactivate",
                            headers=bearer(admin_tokens["access_token"]))
    assert deactivated.status_code == 200, deactivated.get_json()
    assert deactivated.get_json()["is_active"] is False
    assert down.get(f"{API}/leagues/{league.id}/standings", headers=member["headers"]).status_code == 401
    left = down.post(f"{API}/leagues/{league.id}/leave", headers=league.owner["headers"])
    assert left.status_code in (204, 409), left.get_json()  # an owner cannot leave: a clean answer either way


def test_a_bulk_write_of_a_guarded_model_is_refused(app, client, make_user):
    league = League(client, make_user, size=2, name="Unchanged")
    with app.app_context():
        with pytest.raises(RuntimeError, match="bypass their snapshots"):
            db.session.execute(update(LeagueRow).where(LeagueRow.id == league.id).values(name="Bulk"))
        db.session.rollback()
        assert db.session.get(LeagueRow, league.id).name == "Unchanged"


def test_a_removed_member_cannot_pick_on_a_cached_access_snapshot(app, client, make_user, f1):
    league = League(client, make_user, size=3)
    race = race_id(app, 2023, 1)
    assert league.open(race).status_code == 200
    on_the_clock = league.state(race)["on_the_clock"]
    waiting = next(team for team in league.players if team != on_the_clock and league.players[team] is not league.owner)
    member = league.players[waiting]
    assert league.pick(race, driver_id(app, "alonso"), waiting).status_code == 409  # not their turn: access cached
    removed = client.delete(f"{API}/leagues/{league.id}/members/{member['id']}", headers=league.owner["headers"])
    assert removed.status_code == 204
    response = league.pick(race, driver_id(app, "alonso"), waiting)
    assert response.status_code == 404, response.get_json()


def test_a_fill_from_an_open_transaction_is_kept_only_at_read_committed(app, client, make_user):
    """A SQLite read transaction keeps the view of its first statement, which can be older than a generation
    read later: that fill is refused (the next request's goes through). At READ COMMITTED (PostgreSQL)
    every statement reads what was committed when it began, so the fill is kept."""
    league = League(client, make_user, size=2)
    with app.app_context():
        db.session.scalar(select(LeagueRow.name).where(LeagueRow.id == league.id))  # the transaction starts
        late = _facts_snapshot(league.id, league.owner["id"])
        late.store({"read": "in an open transaction"})
        db.session.rollback()
        read_committed = db.engine.dialect.default_isolation_level == "READ COMMITTED"
        expected = {"read": "in an open transaction"} if read_committed else None
        assert _facts_snapshot(league.id, league.owner["id"]).data == expected


def test_malformed_snapshots_are_misses_and_clear_removes_them_all(app, client, make_user):
    league = League(client, make_user, size=2)
    member = member_of(league)
    warm(client, league, member)
    with app.app_context():
        redis = get_redis()
        for key in redis.keys("snap:*"):
            if not key.endswith((b":gen", b":pending")):
                redis.set(key, b"\xff not json")
    assert standings(client, league, member).status_code == 200
    with app.app_context():
        snapshots.clear(get_redis())
        assert get_redis().keys("snap:*") == []
    assert standings(client, league, member).status_code == 200


def test_a_read_asked_for_ahead_comes_with_the_token_check_and_is_used_once_and_only_as_asked(
        app, client, make_user, monkeypatch):
    """snapshots.ahead: the read a route will make rides in the token check's round trip; the route's own read
    of exactly that Read then costs no round trip; it is used once; any other read drops it."""
    league = League(client, make_user, size=2)
    member = member_of(league)
    warm(client, league, member)
    commands = []
    with app.app_context():
        client_type = type(get_redis())
    execute_command = client_type.execute_command
    monkeypatch.setattr(client_type, "execute_command", lambda self, *args, **kwargs: (
        commands.append(args[0]) or execute_command(self, *args, **kwargs)))

    def facts(user_id: int) -> snapshots.Read:
        return snapshots.Read("league", league.id, FACTS.format(league.id, user_id), ("extra:key",))

    principal = snapshots.Read("user", member["id"], f"snap:user:{member['id']}:v1")
    with app.test_request_context():
        get_redis().set("extra:key", "x")
        snapshots.ahead(facts)
        commands.clear()
        assert snapshots.read(principal, ahead_for=member["id"])[0].data["active"] is True
        snapshot, extra, followed = snapshots.read(facts(member["id"]))
        assert commands == ["EVAL"]  # the token's round trip made both
        assert snapshot.data["role"] == "member" and extra == [b"x"] and followed is None
        assert snapshots.read(facts(member["id"]))[0].data["role"] == "member"
        assert commands == ["EVAL", "EVAL"]  # used once: the second read is the route's own

        snapshots.ahead(facts)
        snapshots.read(principal, ahead_for=member["id"])
        other = snapshots.Read("league", league.id, FACTS.format(league.id, league.owner["id"]), ("extra:key",))
        assert snapshots.read(other)[0].data is None  # not what was read ahead: read now (the owner's: cold)
        snapshots.read(facts(member["id"]))  # dropped by the read before it
        assert commands == ["EVAL"] * 5

        snapshots.ahead(facts)
        snapshots.read(principal)  # no ahead_for: nothing is read ahead
        assert snapshots.read(principal, ahead_for=member["id"])[1] == []  # the ahead read goes with this one
        snapshots.read(facts(member["id"]))
        assert commands == ["EVAL"] * 7


def test_a_read_made_ahead_is_dropped_by_a_write_of_a_guarded_row_in_the_same_request(app, client, make_user):
    """Found by review: a route that writes a league or membership row between its token check and its read
    must not be handed the access read from before its write."""
    league = League(client, make_user, size=2)
    member = member_of(league)
    warm(client, league, member)
    facts = snapshots.Read("league", league.id, FACTS.format(league.id, member["id"]))
    with app.test_request_context():
        snapshots.ahead(lambda _user_id: facts)
        snapshots.read(snapshots.Read("user", member["id"], f"snap:user:{member['id']}:v1"), ahead_for=member["id"])
        db.session.scalars(select(LeagueRow).where(LeagueRow.id == league.id)).one().name = "Renamed in the request"
        db.session.flush()
        assert snapshots.read(facts)[0].data is None  # read again: the generation moved with the flush
        db.session.rollback()


def test_a_followed_field_that_is_not_a_key_follows_nothing_and_fails_no_read(app, client, make_user):
    """A league snapshot whose ruleset key is null, an object or a boolean (only corruption writes one) is read
    with nothing followed; the Lua call carrying it (the token check's, with the read ahead) does not fail."""
    league = League(client, make_user, size=2)
    member = member_of(league)
    warm(client, league, member)
    key = FACTS.format(league.id, member["id"])
    with app.app_context():
        gen, data = json.loads(get_redis().get(key))
    ruleset_version = ("ruleset_key", "scores:v:ruleset:")
    for bad in (None, {"a": 1}, True):
        with app.app_context():
            get_redis().set(key, json.dumps([gen, {**data, "ruleset_key": bad}]))
        with app.test_request_context():
            snapshot, _extra, followed = snapshots.read(
                snapshots.Read("league", league.id, key, follow=ruleset_version))
            assert snapshot.data["ruleset_key"] == bad and followed is None
    with app.app_context():
        get_redis().set(key, json.dumps([gen, {**data, "ruleset_key": 7}]))
        get_redis().set("scores:v:ruleset:7", 3)
    with app.test_request_context():
        assert snapshots.read(snapshots.Read("league", league.id, key, follow=ruleset_version))[2] == b"3"
