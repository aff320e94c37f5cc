"""Notifications (§9): who hears of what, the inbox, read marks, the outbox, stream tickets and frames."""
import json
import queue
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from drafts_helpers import API, League, driver_id, race_id
from fantasy.common.redis import get_redis
from fantasy.extensions import db
from fantasy.f1data.events import results_poll_gave_up
from fantasy.f1data.models import SessionKind
from fantasy.jobs.queues import get_queue
from fantasy.leagues.models import LeagueEvent
from fantasy.notifications.models import Notification
from notifications_helpers import drain, inbox, kinds

pytestmark = pytest.mark.usefixtures("f1")


def test_joining_notifies_the_other_members(app, client, make_user):
    league = League(client, make_user, size=2)
    drain(app)
    members = list(league.players.values())
    first_joiner = next(user for user in members if user is not league.owner)
    assert kinds(client, league.owner) == ["member_joined"]
    assert kinds(client, first_joiner) == []


def test_draft_open_pick_turns_and_autopicks(app, client, make_user):
    league = League(client, make_user, size=3)
    round1 = race_id(app, 2023, 1)
    drain(app)
    client.post(f"{API}/notifications/read-all", headers=league.owner["headers"])
    state = league.open(round1).get_json()
    drain(app)
    first, second = state["order"][0]["team_id"], state["order"][1]["team_id"]
    assert "draft_open" in kinds(client, league.players[second])
    assert [item["kind"] for item in inbox(client, league.players[first]) if item["kind"] == "your_turn"] == [
        "your_turn"
    ]
    league.pick(round1, driver_id(app, "max_verstappen"))
    drain(app)
    assert "your_turn" in kinds(client, league.players[second])
    league.lock(round1)
    drain(app)
    third = state["order"][2]["team_id"]
    autopicks = [item for item in inbox(client, league.players[third]) if item["kind"] == "autopicked"]
    assert len(autopicks) == 2 and {item["data"]["team_id"] for item in autopicks} == {third}
    picked = {pick["driver"]["id"]: pick["driver"] for pick in league.state(round1)["picks"]}
    for item in autopicks:  # named: the league, and the driver's card as the draft state shows it
        assert item["data"]["league_name"] == league.created["name"] == "Draft League"
        assert item["data"]["driver"] == picked[item["data"]["driver_id"]] and item["data"]["driver"]["name"]
    assert "draft_locked" in kinds(client, league.players[third])
    # Locking a replay round queued its scoring; the drain ran it, and members heard of it.
    assert "race_scored" in kinds(client, league.players[third])


def test_a_correction_reaches_every_member_of_every_league_in_chunked_jobs(app, client, make_user, monkeypatch):
    """One delivery job per LEAGUES_PER_DELIVERY leagues; each stores one row per active member (not one
    who left) and publishes it live."""
    from fantasy.notifications import hooks
    from fantasy.scoring.events import scores_corrected

    monkeypatch.setattr(hooks, "LEAGUES_PER_DELIVERY", 2)
    leagues = [League(client, make_user, size=size, name=f"Corrected {size}") for size in (2, 3, 2)]
    _team, leaver = next((team, user) for team, user in leagues[1].players.items() if user is not leagues[1].owner)
    assert client.post(f"{API}/leagues/{leagues[1].id}/leave", headers=leaver["headers"]).status_code in (200, 204)
    drain(app)
    round1 = race_id(app, 2023, 1)
    with app.app_context():
        listener = get_redis().pubsub(ignore_subscribe_messages=True)
        listener.subscribe(f"events:user:{leagues[0].owner['id']}")
        scores_corrected.send(round1, league_ids=[league.id for league in leagues])
        assert get_queue("low").count == 0  # sent in the scoring's transaction: queued after its commit
        db.session.commit()
        assert get_queue("low").count == 2
    drain(app)
    for league in leagues:
        for team_id, user in league.players.items():
            if user is leaver:
                continue
            [note] = [item for item in inbox(client, user) if item["kind"] == "scores_corrected"]
            assert note["league_id"] == league.id and note["race_id"] == round1
            # These leagues scored no race: every figure is zero (test_notifications_scored.py has real ones).
            assert {key: note["data"][key] for key in ("team_id", "league_name", "race_name", "round_points",
                                                       "season_points", "previous_rank")} == {
                "team_id": team_id, "league_name": league.created["name"], "race_name": "Bahrain Grand Prix",
                "round_points": 0.0, "season_points": 0.0, "previous_rank": None}
            assert abs(datetime.fromisoformat(note["created_at"]) - datetime.now(timezone.utc)) < timedelta(minutes=1)
    assert "scores_corrected" not in kinds(client, leaver)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind == "scores_corrected")) == 2 + 2 + 2
        # Published after the job's, so it comes after them: the end of what the channel was sent.
        get_redis().publish(f"events:user:{leagues[0].owner['id']}", json.dumps({"type": "end"}))
        messages = [listener.get_message(timeout=10) for _ in range(3)]  # the first is the subscription's
        assert [json.loads(m["data"])["type"] for m in messages if m] == ["scores_corrected", "end"]
        listener.close()


def test_role_changes_reach_the_member(app, client, make_user):
    league = League(client, make_user, size=2)
    member_team, member = next((team, user) for team, user in league.players.items() if user is not league.owner)
    client.patch(f"{API}/leagues/{league.id}/members/{member['id']}", json={"role": "manager"},
                 headers=league.owner["headers"])
    drain(app)
    [note] = [item for item in inbox(client, member) if item["kind"] == "role_changed"]
    assert note["data"]["role"] == "manager" and note["league_id"] == league.id


def test_inbox_unread_filter_and_read_marks(app, client, make_user):
    league = League(client, make_user, size=3)
    drain(app)
    owner = league.owner
    items = inbox(client, owner)
    assert len(items) == 2 and all(item["read_at"] is None for item in items)
    read = client.post(f"{API}/notifications/{items[0]['id']}/read", headers=owner["headers"])
    assert read.status_code == 200 and read.get_json()["read_at"]
    assert [item["id"] for item in inbox(client, owner, unread="true")] == [items[1]["id"]]
    assert client.post(f"{API}/notifications/read-all", headers=owner["headers"]).get_json() == {"updated": 1}
    assert inbox(client, owner, unread="true") == []


def test_other_users_notifications_are_404(app, client, make_user):
    league = League(client, make_user, size=2)
    drain(app)
    note = inbox(client, league.owner)[0]
    stranger = make_user("stranger")
    assert client.post(f"{API}/notifications/{note['id']}/read", headers=stranger["headers"]).status_code == 404
    assert client.post(f"{API}/notifications/999999/read", headers=stranger["headers"]).status_code == 404
    assert inbox(client, league.owner)[0]["read_at"] is None


def test_nothing_is_sent_for_a_rolled_back_change(app, make_user):
    owner = make_user("owner")
    with app.app_context():
        queued = get_queue("low").count  # the season load's own jobs (pricing) are not this test's subject
        from fantasy.leagues.models import League as LeagueRow
        league = LeagueRow(name="Ghost", season=2023, mode="replay", visibility="private", max_teams=4,
                           picks_per_team=1, draft_method="snake", order_strategy="rotation", pick_seconds=0,
                           draft_opens_hours=96, autopick_on_lock=True, ruleset="standard", invite_code="ghost-code",
                           owner_id=owner["id"])
        db.session.add(league)
        db.session.flush()
        db.session.add(LeagueEvent(league_id=league.id, actor_id=None, kind="member_joined", data={}))
        db.session.flush()
        db.session.rollback()
        assert get_queue("low").count == queued


def test_admins_hear_when_polling_gives_up(app, client, make_user):
    admin = make_user("root", admin=True)
    make_user("plain")
    with app.app_context():
        results_poll_gave_up.send(race_id(app, 2023, 5), session=SessionKind.race)
    drain(app)
    [alert] = inbox(client, admin)
    assert alert["kind"] == "admin_alert" and alert["data"]["session"] == "race"
    with app.app_context():
        assert db.session.scalar(select(Notification.user_id).where(Notification.kind == "admin_alert")) == admin["id"]


def test_stream_ticket_is_single_use(app, client, make_user):
    user = make_user("streamer")
    ticket = client.post(f"{API}/events/ticket", headers=user["headers"]).get_json()["ticket"]
    first = client.get(f"{API}/events", query_string={"ticket": ticket}, buffered=False)
    assert first.status_code == 200 and first.mimetype == "text/event-stream"
    first.close()
    again = client.get(f"{API}/events", query_string={"ticket": ticket})
    assert again.status_code == 401
    unspent = client.post(f"{API}/events/ticket", headers=user["headers"]).get_json()["ticket"]
    assert client.head(f"{API}/events", query_string={"ticket": unspent}).status_code == 405
    stream = client.get(f"{API}/events", query_string={"ticket": unspent}, buffered=False)
    assert stream.status_code == 200  # HEAD left the ticket alone
    stream.close()
    assert client.get(f"{API}/events", query_string={"ticket": "forged"}).status_code == 401
    assert client.get(f"{API}/events").status_code == 422
    assert client.post(f"{API}/events/ticket").status_code == 401


class Stream:
    """An event stream read on a thread of its own, as a browser would (the stream's request context
    must not leak into the test's thread), with frames handed over through a queue."""

    def __init__(self, app, ticket: str):
        self.frames: queue.Queue[str] = queue.Queue()
        self.response = None
        self.thread = threading.Thread(target=self._read, args=(app, ticket), daemon=True)
        self.thread.start()

    def _read(self, app, ticket):
        self.response = app.test_client().get(f"{API}/events", query_string={"ticket": ticket}, buffered=False)
        for frame in self.response.response:
            self.frames.put(frame.decode())

    def next_event(self, timeout: float = 10) -> str:
        """The next frame that is not a keep-alive comment."""
        while True:
            frame = self.frames.get(timeout=timeout)
            if not frame.startswith(":"):
                return frame


def payload(frame: str) -> dict:
    return json.loads(frame.split("data: ", 1)[1])


def test_stream_carries_my_notifications_and_my_leagues_picks(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "EVENT_STREAM_SECONDS", 4)  # the stream then ends by itself
    league = League(client, make_user, size=2)
    round1 = race_id(app, 2023, 1)
    on_clock = league.open(round1).get_json()["on_the_clock"]
    drain(app)
    waiting = next(user for team, user in league.players.items() if team != on_clock)  # picks next
    ticket = client.post(f"{API}/events/ticket", headers=waiting["headers"]).get_json()["ticket"]
    stream = Stream(app, ticket)
    assert stream.next_event().startswith("retry: 3000\nevent: ready")
    hamilton = driver_id(app, "hamilton")
    league.pick(round1, hamilton)
    frame = stream.next_event()
    assert frame.startswith("event: pick\n") and payload(frame)["data"]["driver_id"] == hamilton
    drain(app)
    frame = stream.next_event()
    assert frame.startswith("event: your_turn\n") and payload(frame)["league_id"] == league.id
    stream.thread.join(timeout=10)
    assert not stream.thread.is_alive()


def test_cleanup_deletes_old_read_notifications_only(app, client, make_user):
    league = League(client, make_user, size=3)
    drain(app)
    owner = league.owner
    first, second = inbox(client, owner)
    client.post(f"{API}/notifications/{first['id']}/read", headers=owner["headers"])
    from datetime import timedelta

    from fantasy.common.clock import utcnow
    from fantasy.notifications.service import delete_old

    with app.app_context():
        assert delete_old(utcnow()) == 0
        assert delete_old(utcnow() + timedelta(days=91)) == 1
    assert [item["id"] for item in inbox(client, owner)] == [second["id"]]


def test_streams_per_process_are_bounded_and_a_refused_ticket_stays_usable(app, client, make_user, monkeypatch):
    """A stream holds a server connection: past EVENT_STREAMS_PER_PROCESS the answer is 503 with Retry-After,
    before the ticket is spent; a closed stream gives its slot back, and so does a refused ticket."""
    from fantasy.notifications.stream import SLOTS

    monkeypatch.setitem(app.extensions, SLOTS, threading.BoundedSemaphore(1))
    user = make_user("streamer")
    first_ticket, second_ticket = (client.post(f"{API}/events/ticket", headers=user["headers"]).get_json()["ticket"]
                                   for _ in range(2))
    first = client.get(f"{API}/events", query_string={"ticket": first_ticket}, buffered=False)
    assert first.status_code == 200
    refused = client.get(f"{API}/events", query_string={"ticket": second_ticket})
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "10"
    assert refused.get_json()["code"] == 503
    first.close()
    assert client.get(f"{API}/events", query_string={"ticket": "forged"}).status_code == 401  # slot given back
    second = client.get(f"{API}/events", query_string={"ticket": second_ticket}, buffered=False)
    assert second.status_code == 200
    second.close()


def test_a_stream_slot_is_given_back_once(app, monkeypatch):
    """The stream's end and the response's close both give the slot back: only the first call counts (a
    second would free another stream's slot)."""
    from fantasy.notifications.stream import SLOTS, take_slot

    monkeypatch.setitem(app.extensions, SLOTS, threading.BoundedSemaphore(1))
    with app.app_context():
        release = take_slot()
        release()
        release()  # a BoundedSemaphore raises when released past its size
        assert take_slot() is not None


def test_streams_must_leave_connections_to_the_api(backing_urls):
    from fantasy import create_app

    with pytest.raises(RuntimeError, match="EVENT_STREAMS_PER_PROCESS"):
        create_app(
            "testing", overrides={**backing_urls, "GUNICORN_WORKER_CONNECTIONS": 4, "EVENT_STREAMS_PER_PROCESS": 4}
        )
