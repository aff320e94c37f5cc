"""Where notifications come from: league audit events, picks, turns, league deletions, scoring signals and
admin alerts.

Database-side events are caught inside their transaction and acted on only after the commit (the outbox);
the delivery itself runs on the `low` queue (a pick's and a turn's in batches, batch.py), while picks are also
published to the league's live channel at once, because a draft room cannot wait for a queue. Whatever
decides who hears of an event, or what its text names, is read here, in the event's own transaction: by the
time the job runs the turn may have moved on and the league may be gone.
"""
import json
import uuid

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction, object_session

from fantasy.common.outbox import defer
from fantasy.common.redis import get_redis
from fantasy.drafts.events import turn_started
from fantasy.drafts.models import Draft, Pick
from fantasy.extensions import db
from fantasy.f1data.events import results_poll_gave_up
from fantasy.leagues.models import FantasyTeam, League, LeagueEvent, Membership
from fantasy.lineups.events import round_locked
from fantasy.market.events import prices_stored
from fantasy.notifications import batch, prices
from fantasy.notifications.events import delivery_due, drain_due
from fantasy.notifications.models import PendingDelivery
from fantasy.notifications.service import LEAGUE_CHANNEL, LEAGUES_PER_STATEMENT, MEMBER_EVENTS
from fantasy.scoring.events import race_scored, scores_corrected


def _deliver_later(kind: str, payload: dict, pipeline=None) -> None:
    """Have the delivery queued (fantasy.jobs.notifications); into `pipeline` when given, which the caller
    executes (one round trip for all it holds)."""
    delivery_due.send(kind, payload=payload, pipeline=pipeline)


def _deliver_batched(kind: str, payload: dict, live: dict | None = None) -> None:
    """After the commit: the per-pick delivery onto the batch (batch.py) with the league's live message, in
    one round trip; a second one queues the drain job when this push is the one that must."""
    payload = {**payload, "token": uuid.uuid4().hex}  # the event's: its rows' delivery keys (service.py)
    with get_redis().pipeline() as pipe:
        claimed = batch.push(pipe, kind, payload)
        if live is not None:
            pipe.publish(LEAGUE_CHANNEL.format(live["league_id"]), json.dumps(live))
        if pipe.execute()[claimed]:
            drain_due.send()


NOTIFYING_EVENTS = set(MEMBER_EVENTS) | {"role_changed", "ownership_transferred"}
# Leagues per race_scored / scores_corrected delivery job: one INSERT … SELECT each (service.py).
LEAGUES_PER_DELIVERY = LEAGUES_PER_STATEMENT
# session.info key: per draft, the turn started in the open transaction and not yet carried by a pick.
PENDING_TURNS = "fantasy_pending_turns"


def _league_event_inserted(mapper, connection, target: LeagueEvent) -> None:
    """The league's name and, for the events every member hears of, who may hear: the league's members now,
    in the event's transaction, except the member who acted and one this event removes. The job tells those
    of them still members then: one who joins after the event never hears of it (it happened before they
    were in the league), and one who leaves or is removed before the job runs does not either (the league's
    goings-on are no longer theirs, as its stream events stop at once, §9)."""
    if target.kind not in NOTIFYING_EVENTS:
        return
    data = target.data or {}
    rows = connection.execute(
        select(League.name, Membership.user_id)
        .outerjoin(Membership, (Membership.league_id == League.id) & Membership.left_at.is_(None))
        .where(League.id == target.league_id)
    ).all()
    leaving = data.get("user_id") if target.kind == "member_removed" else None
    payload = {"league_id": target.league_id, "actor_id": target.actor_id,
               "data": {**data, "league_name": rows[0][0]}, "race_id": data.get("race_id"),
               "draft_id": data.get("draft_id")}
    if target.kind in MEMBER_EVENTS:
        payload["user_ids"] = sorted(user_id for _name, user_id in rows
                                     if user_id is not None and user_id not in (target.actor_id, leaving))
    defer(object_session(target), lambda: _deliver_later(target.kind, payload))


def _turn_started(draft: Draft, team_id: int, **_) -> None:
    """The team now on the clock, its user and the names its notice shows, read in the turn's transaction
    (without flushing: a pick's own flush is where its constraint errors are caught).

    The pick that ended the previous turn carries the notice in its own job when it is flushed after this
    (a pick, the clock's autopick); otherwise (the opening, a skipped turn) it goes on its own after the
    commit. A turn filled in the transaction that started it (a lock's autopicks) is announced by neither."""
    session = object_session(draft)
    with session.no_autoflush:
        user_id, team_name, league_name = session.execute(
            select(FantasyTeam.user_id, FantasyTeam.name, League.name)
            .join(League, League.id == FantasyTeam.league_id).where(FantasyTeam.id == team_id)
        ).one()
    deadline = draft.pick_deadline.isoformat() if draft.pick_deadline else None
    turn = {"league_id": draft.league_id, "race_id": draft.race_id, "user_id": user_id, "data": {
        "draft_id": draft.id, "pick_number": draft.current_pick, "team_id": team_id, "team_name": team_name,
        "league_name": league_name, "pick_deadline": deadline}}
    draft_id = draft.id  # the row is expired once the actions run: reading it then would cost a SELECT
    pending = session.info.setdefault(PENDING_TURNS, {})
    pending[draft_id] = turn

    def deliver_unless_carried():
        if pending.get(draft_id) is turn:
            del pending[draft_id]
            _deliver_batched("your_turn", turn)

    defer(session, deliver_unless_carried)


def _turn_carried_by(pick: Pick) -> dict | None:
    """The pending turn of the pick's draft, now the pick's to deliver if it follows the pick."""
    turn = object_session(pick).info.get(PENDING_TURNS, {}).pop(pick.draft_id, None)
    return turn if turn is not None and turn["data"]["pick_number"] > pick.pick_number else None


def _forget_turns(session: Session, transaction: SessionTransaction) -> None:
    """Turns of a transaction that did not commit are never announced (nor carried by a later pick)."""
    if transaction.parent is None:
        session.info.pop(PENDING_TURNS, None)


def _league_deleted(mapper, connection, target: League) -> None:
    """Before the row goes (its memberships go with it, by the database's cascade): who was a member."""
    members = connection.scalars(
        Membership.active_in(target.id).with_only_columns(Membership.user_id)
    ).all()
    payload = {"user_ids": list(members), "data": {"league_id": target.id, "league_name": target.name}}
    defer(object_session(target), lambda: _deliver_later("league_deleted", payload))


def _pick_inserted(mapper, connection, target: Pick) -> None:
    """The pick's event names the turn it puts on the clock, as the your_turn it carries decided it: the
    team, its pick number and deadline (None once the draft is complete, or when the lock fills the slot)."""
    turn = _turn_carried_by(target)
    upcoming = None if turn is None else {key: turn["data"][key] for key in ("team_id", "team_name", "pick_number",
                                                                              "pick_deadline")}
    data = {"pick_number": target.pick_number, "team_id": target.team_id, "driver_id": target.driver_id,
            "autopicked": target.autopicked, "next": upcoming}
    payload = {"league_id": target.league_id, "race_id": target.race_id, "draft_id": target.draft_id, "data": data,
               "turn": turn}
    live = {"type": "pick", "league_id": target.league_id, "race_id": target.race_id, "data": data}
    # The row itself is expired by the time this runs.
    defer(object_session(target), lambda: _deliver_batched("pick", payload, live))


def _scored(race_id, league_ids, **_):
    _deliver_to_leagues("race_scored", race_id, league_ids)
    # A salary-cap league's scored round makes the next round's prices its teams' concern (prices.py).
    scored = set(league_ids)  # in the scoring's transaction: these leagues' rounds were just marked scored
    salary_cap = [league_id for league_id in prices.leagues_scored(race_id) if league_id in scored]
    if salary_cap:
        _deliver_to_leagues("prices_changed", race_id, salary_cap)


def _prices_stored(season, rounds, **_):
    if not prices.season_played(season):
        return
    with get_redis().pipeline() as pipe:
        for round_ in rounds:
            _deliver_later("prices_changed", {"season": season, "round": round_}, pipeline=pipe)
        pipe.execute()


def _corrected(race_id, league_ids, **_):
    _deliver_to_leagues("scores_corrected", race_id, league_ids)


def _deliver_to_leagues(kind: str, race_id: int, league_ids: list[int]) -> None:
    """In the scoring's transaction: one PendingDelivery per LEAGUES_PER_DELIVERY leagues, committed with the
    scores; after the commit one delivery job each, queued in one round trip. Each job is one set-based
    chunk and one commit (service.py), well inside the job timeout however many leagues a race scores; a
    failure to queue them leaves the rows for the outbox sweep (jobs/notifications.py redeliver_pending).
    One token per event makes the rows' delivery keys: a chunk stored twice stores nothing the second time."""
    token = uuid.uuid4().hex
    session = db.session()
    step = LEAGUES_PER_DELIVERY
    chunks = [league_ids[start:start + step] for start in range(0, len(league_ids), step)]
    pending = [PendingDelivery(kind=kind, payload={"race_id": race_id, "league_ids": chunk, "token": token})
               for chunk in chunks]
    session.add_all(pending)
    session.flush()
    jobs = [{**row.payload, "pending_id": row.id} for row in pending]  # the rows are expired after the commit

    def enqueue():
        with get_redis().pipeline() as pipe:
            for payload in jobs:
                _deliver_later(kind, payload, pipeline=pipe)
            pipe.execute()

    defer(session, enqueue)


def _lineups_locked(race_id, league_id, lineups, **_):
    """After the lock's commit: each team's locked lineup to its user, in one delivery job for the league."""
    if lineups:
        _deliver_later("lineup_locked", {"league_id": league_id, "race_id": race_id, "lineups": lineups})


def _gave_up(race_id, session=None, **_):
    _deliver_later("admin_alert", {"race_id": race_id, "data": {
        "message": "Results polling gave up: no final classification after 7 days",
        "session": getattr(session, "value", session)}})


def subscribe() -> None:
    """Idempotent: listeners and receivers are registered once however many apps are created."""
    if not event.contains(LeagueEvent, "after_insert", _league_event_inserted):
        event.listen(LeagueEvent, "after_insert", _league_event_inserted)
        event.listen(Pick, "after_insert", _pick_inserted)
        event.listen(League, "before_delete", _league_deleted)
        event.listen(Session, "after_transaction_end", _forget_turns)
    turn_started.connect(_turn_started)
    race_scored.connect(_scored)
    scores_corrected.connect(_corrected)
    prices_stored.connect(_prices_stored)
    results_poll_gave_up.connect(_gave_up)
    round_locked.connect(_lineups_locked)
