"""Notification use cases: deliver an event to its recipients, the inbox, read marks (stream tickets: tickets.py)."""
import json
import logging
from datetime import datetime, timedelta

import redis
from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from fantasy.auth.models import Role, User
from fantasy.common.clock import utcnow
from fantasy.common.redis import get_redis
from fantasy.errors import NotFound
from fantasy.extensions import db
from fantasy.f1data.cards import driver_cards
from fantasy.f1data.models import Race
from fantasy.leagues.models import FantasyTeam, League, Membership
from fantasy.notifications import prices
from fantasy.notifications.batch import BATCHED_KINDS
from fantasy.notifications.models import Notification, PendingDelivery
from fantasy.scoring.standings import race_figures

log = logging.getLogger(__name__)

USER_CHANNEL = "events:user:{}"
LEAGUE_CHANNEL = "events:league:{}"
# Leagues per INSERT of a race-wide notification (10 members each: 10,000 rows).
LEAGUES_PER_STATEMENT = 1000

# League audit events that members hear about, and what the notification is called.
MEMBER_EVENTS = {
    "member_joined": "member_joined",
    "member_left": "member_left",
    "member_removed": "member_left",
    "draft_opened": "draft_open",
    "order_changed": "order_changed",
    "draft_locked": "draft_locked",
    "draft_complete": "draft_complete",
    # Commissioner tools (§14); the manager who acted is not told.
    "draft_paused": "draft_paused",
    "draft_resumed": "draft_resumed",
    "picks_undone": "picks_undone",
    "picked_on_behalf": "picked_on_behalf",
    "autopick_forced": "autopick_forced",
    "draft_reset": "draft_reset",
}


def _members(league_id: int, exclude: int | None = None) -> list[int]:
    statement = Membership.active_in(league_id).with_only_columns(Membership.user_id)
    if exclude is not None:
        statement = statement.where(Membership.user_id != exclude)
    return db.session.scalars(statement).all()


def _leagues_kept(league_ids) -> set[int]:
    """The league ids notifications may still refer to: not those deleted (the notification's data names the
    league). On PostgreSQL the rows are held (FOR KEY SHARE, in id order) until the commit, so a deletion
    running meanwhile waits and then sets these notifications' league to NULL instead of failing the insert."""
    league_ids = sorted({league_id for league_id in league_ids if league_id is not None})
    if not league_ids:
        return set()
    return set(db.session.scalars(select(League.id).where(League.id.in_(league_ids)).order_by(League.id)
                                  .with_for_update(read=True, key_share=True)))


def _store_and_publish(user_ids, kind: str, league_id: int | None, race_id: int | None, data: dict) -> int:
    """One row per recipient in one statement, then a live event on each recipient's channel."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    league_id = league_id if league_id in _leagues_kept([league_id]) else None
    now = utcnow()
    return _store_chunk([{"user_id": user_id, "kind": kind, "league_id": league_id, "race_id": race_id, "data": data,
                          "created_at": now} for user_id in user_ids])


def deliver_picks(items: list[tuple[str, dict]]) -> int:
    """A batch of per-pick deliveries (batch.py: `pick` and `your_turn` items, in pick order) as `deliver`
    gives each kind, set-based: an autopick's notice to its team's user while the team is active, and each
    your_turn (a pick's `turn`, or one on its own) to the user the turn went to, decided when the turn
    changed (hooks.py). One look-up of the autopicking teams, one of the leagues kept, one INSERT, one commit
    and one publish pipeline for the whole batch.

    Each row's delivery key is its kind and the item's token (hooks.py draws one per event), so a batch
    stored again (a retried drain) stores nothing twice."""
    autopicks = [payload for kind, payload in items if kind == "pick" and payload["data"]["autopicked"]]
    owners = {team_id: (user_id, league_name) for team_id, user_id, league_name in db.session.execute(
        select(FantasyTeam.id, FantasyTeam.user_id, League.name).join(League, League.id == FantasyTeam.league_id)
        .where(FantasyTeam.id.in_({payload["data"]["team_id"] for payload in autopicks}),
               FantasyTeam.left_at.is_(None))
    )} if autopicks else {}
    drivers = _autopicked_drivers(autopicks)
    notices = []  # (user, kind, payload, token), in pick order: an autopick's notice before the turn it carries
    for kind, payload in items:
        token = payload.get("token")
        if kind == "pick":
            data = payload["data"]
            if data["autopicked"] and data["team_id"] in owners:
                user_id, league_name = owners[data["team_id"]]
                named = {**data, "league_name": league_name, "driver": drivers[payload["race_id"], data["driver_id"]]}
                notices.append((user_id, "autopicked", {**payload, "data": named}, token))
            payload = payload.get("turn")
        if payload:
            notices.append((payload["user_id"], "your_turn", payload, token))
    kept = _leagues_kept(payload["league_id"] for _user, _kind, payload, _token in notices)
    now = utcnow()
    return _store_chunk([
        {"user_id": user_id, "kind": kind, "league_id": payload["league_id"] if payload["league_id"] in kept else None,
         "race_id": payload["race_id"], "data": payload["data"], "created_at": now,
         "delivery_key": f"{kind}:{token}" if token else None}
        for user_id, kind, payload, token in notices if user_id is not None])


def _autopicked_drivers(autopicks: list[dict]) -> dict[tuple[int, int], dict]:
    """The card of each autopicked driver as of its race (§11: a notice names its driver), by (race, driver):
    one statement per race in the batch (autopicks come from clocks and locks: a round or two at a time)."""
    by_race: dict[int, set[int]] = {}
    for payload in autopicks:
        by_race.setdefault(payload["race_id"], set()).add(payload["data"]["driver_id"])
    return {(race.id, driver_id): card
            for race in db.session.scalars(select(Race).where(Race.id.in_(by_race)))
            for driver_id, card in driver_cards(by_race[race.id], race).items()}


def _insert_once():
    """INSERT into notifications that skips a row whose (user, delivery key) is stored already (PostgreSQL and
    SQLite spell it alike; rows without a key never conflict)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(Notification).on_conflict_do_nothing()


def _notify_leagues(kind: str, payload: dict) -> int:
    """The user of every active team of each league, one row each with the team's figures (its points in the
    race, season total, rank and previous rank: race_figures, either league format), by one INSERT and one
    commit per LEAGUES_PER_STATEMENT leagues; then their live events.

    Set-based because a race scores every league playing it at once (100,000 leagues in the benchmark): per
    chunk, one statement for the recipients, race_figures' few for the whole chunk and the insert. The signal
    handler already queues one job per chunk (notifications/hooks.py); the chunking here also bounds a larger
    list (SQLite allows 32,766 parameters per statement).

    Exactly once: each row's delivery key is kind:race:league:token (the scoring event's token), so running
    a chunk again stores nothing new, and the chunk's PendingDelivery is deleted in the transaction of its
    last rows (a delivery whose row is gone has run already: nothing to do)."""
    race_id, league_ids, token, pending_id = (payload["race_id"], payload["league_ids"], payload.get("token"),
                                              payload.get("pending_id"))
    if pending_id is not None and db.session.get(PendingDelivery, pending_id) is None:
        db.session.rollback()
        return 0
    race = db.session.execute(select(Race.name, Race.round, Race.season_year).where(Race.id == race_id)).one()
    now = utcnow()
    count = 0
    for start in range(0, max(len(league_ids), 1), LEAGUES_PER_STATEMENT):
        chunk = league_ids[start:start + LEAGUES_PER_STATEMENT]
        recipients = db.session.execute(
            select(FantasyTeam.user_id, FantasyTeam.league_id, FantasyTeam.id, FantasyTeam.name, League.name)
            .join(League, League.id == FantasyTeam.league_id)
            .join(Membership, (Membership.league_id == FantasyTeam.league_id)
                  & (Membership.user_id == FantasyTeam.user_id))
            .where(FantasyTeam.league_id.in_(chunk), FantasyTeam.left_at.is_(None), Membership.left_at.is_(None))
        ).all()
        figures = race_figures(race_id, chunk) if recipients else {}
        rows = [{"user_id": user_id, "kind": kind, "league_id": league_id, "race_id": race_id, "created_at": now,
                 "delivery_key": f"{kind}:{race_id}:{league_id}:{token}" if token else None,
                 "data": {"league_name": league_name, "race_name": race.name, "season": race.season_year,
                          "round": race.round, "team_id": team_id, "team_name": team_name, **figures[team_id]}}
                for user_id, league_id, team_id, team_name, league_name in recipients]
        count += _store_chunk(rows, pending_id if start + LEAGUES_PER_STATEMENT >= len(league_ids) else None)
    return count


def _store_chunk(rows: list[dict], pending_id: int | None = None) -> int:
    """Rows in one INSERT (skipping those stored already), the finished PendingDelivery deleted in the same
    transaction, one commit; then their live events."""
    stored = db.session.execute(_insert_once().returning(
        Notification.id, Notification.user_id, Notification.kind, Notification.league_id, Notification.delivery_key
    ), rows).all() if rows else []
    if pending_id is not None:
        db.session.execute(delete(PendingDelivery).where(PendingDelivery.id == pending_id))
    db.session.commit()
    # A stored row's own (race, data): its user, kind, league and delivery key tell it from the others.
    sent = {(row["user_id"], row["kind"], row["league_id"], row.get("delivery_key")): row for row in rows}
    _publish([(notification_id, sent[user_id, kind, league_id, key]) for notification_id, user_id, kind, league_id, key
              in stored])
    return len(stored)


def _notify_price_changes(payload: dict) -> int:
    """prices_changed (§13): to each salary-cap team holding assets whose price moved for the next round.
    Sent for round r+1 by the leagues' round r being scored ({race_id, league_ids}, from the scoring's outbox)
    or by the market storing round r+1's prices ({season, round}: every league whose round r is scored).
    Exactly once per team and round whichever comes first: the delivery key is the team's and the round's."""
    pending_id = payload.get("pending_id")
    if pending_id is not None and db.session.get(PendingDelivery, pending_id) is None:
        db.session.rollback()
        return 0
    if "race_id" in payload:
        race = db.session.get(Race, payload["race_id"])
        season, round_, league_ids = race.season_year, race.round + 1, payload["league_ids"]
    else:
        season, round_ = payload["season"], payload["round"]
        league_ids = prices.scored_leagues(season, round_)
    now = utcnow()
    count = 0
    for start in range(0, max(len(league_ids), 1), LEAGUES_PER_STATEMENT):
        rows = [{**row, "kind": "prices_changed", "created_at": now,
                 "delivery_key": f"prices_changed:{season}:{round_}:{row['data']['team_id']}"}
                for row in prices.held_changes(season, round_, league_ids[start:start + LEAGUES_PER_STATEMENT])]
        last = start + LEAGUES_PER_STATEMENT >= len(league_ids)
        count += _store_chunk(rows, pending_id if last else None)
    return count


def stale_deliveries(before: datetime) -> list[tuple[str, dict]]:
    """The outbox sweep's work: race-wide deliveries written before `before` and still not stored, as (kind,
    job payload)."""
    rows = db.session.execute(
        select(PendingDelivery.id, PendingDelivery.kind, PendingDelivery.payload)
        .where(PendingDelivery.created_at < before).order_by(PendingDelivery.id)
    ).all()
    db.session.rollback()
    return [(kind, {**payload, "pending_id": pending_id}) for pending_id, kind, payload in rows]


def _publish(stored) -> None:
    """The live event of each stored notification (its id, and its row as inserted) on its user's channel.
    Best effort after the commit: the rows are the record, so a Redis failure is logged and the job does not
    fail (a retry would store the notifications twice)."""
    try:
        with get_redis().pipeline(transaction=False) as pipe:
            for notification_id, row in stored:
                message = {"type": row["kind"], "id": notification_id, "league_id": row["league_id"],
                           "race_id": row["race_id"], "data": row["data"]}
                pipe.publish(USER_CHANNEL.format(row["user_id"]), json.dumps(message, default=str))
            pipe.execute()
    except redis.RedisError:
        log.warning("live notification events not published: redis unavailable",
                    extra={"kinds": sorted({row["kind"] for _id, row in stored})})


def deliver(kind: str, payload: dict) -> int:
    """Create the notifications one event means (§9); returns how many were stored."""
    league_id, race_id = payload.get("league_id"), payload.get("race_id")
    data = payload.get("data", {})
    if kind in MEMBER_EVENTS:
        # The members at the event (hooks.py) who are members still: none who joined since, none who left.
        # (A job queued before the event chose them asks the members now only.)
        recipients = _members(league_id, exclude=payload.get("actor_id"))
        if "user_ids" in payload:
            recipients = sorted(set(recipients) & set(payload["user_ids"]))
        count = _store_and_publish(recipients, MEMBER_EVENTS[kind], league_id, race_id, data)
        if kind == "member_removed":
            count += _store_and_publish([data["user_id"]], "member_removed", league_id, None,
                                        {"league_name": data.get("league_name")})
        return count
    if kind == "role_changed":
        return _store_and_publish([data["user_id"]], "role_changed", league_id, None, data)
    if kind == "ownership_transferred":
        return _store_and_publish([data["from_user_id"], data["to_user_id"]], "role_changed", league_id, None, data)
    if kind in BATCHED_KINDS:  # queued as a job of its own before the drain batched them (batch.py)
        return deliver_picks([(kind, payload)])
    if kind == "lineup_locked":  # each team's user, with the team's own lineup (lineups/lock.py)
        return sum(_store_and_publish([lineup["user_id"]], kind, league_id, race_id, lineup["data"])
                   for lineup in payload["lineups"])
    if kind == "league_deleted":
        return _store_and_publish(payload["user_ids"], "league_deleted", None, None, data)
    if kind == "prices_changed":
        return _notify_price_changes(payload)
    if kind in ("race_scored", "scores_corrected"):
        return _notify_leagues(kind, payload)
    if kind == "admin_alert":
        admins = db.session.scalars(select(User.id).where(User.role == Role.admin, User.is_active.is_(True))).all()
        return _store_and_publish(admins, "admin_alert", None, race_id, data)
    log.warning("unknown notification kind", extra={"kind": kind})
    return 0


# --- the inbox ---------------------------------------------------------------------------------


def inbox(user: User, unread_only: bool):
    statement = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return statement.order_by(Notification.id.desc())


def mark_read(user: User, notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound("No such notification")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_all_read(user: User) -> dict:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return {"updated": result.rowcount}


def delete_old(now: datetime) -> int:
    """The cleanup step: read notifications past the retention period (unread ones are kept)."""
    cutoff = now - timedelta(days=current_app.config["NOTIFICATION_RETENTION_DAYS"])
    result = db.session.execute(
        delete(Notification).where(Notification.read_at.is_not(None), Notification.created_at < cutoff)
    )
    db.session.commit()
    return result.rowcount

