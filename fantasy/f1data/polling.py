"""The results poll: which ended, not-yet-final sessions to ask the upstream about now, and when to give up."""
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from fantasy.common.clock import utcnow
from fantasy.common.redis import get_redis
from fantasy.errors import NotFound, ServiceUnavailable
from fantasy.extensions import db
from fantasy.f1data import events, service
from fantasy.f1data.models import Race, RaceStatus, ResultLifecycle, ResultState, SessionKind

log = logging.getLogger(__name__)

# Calendar key of each classified session; the race itself starts at Race.starts_at.
CALENDAR_KEY = {SessionKind.qualifying: "Qualifying", SessionKind.sprint: "Sprint"}
# How long after its start a session is surely over, red flags included (a race is capped at 3 h in all).
ALLOWANCE = {SessionKind.race: timedelta(hours=3), SessionKind.sprint: timedelta(hours=1, minutes=30),
             SessionKind.qualifying: timedelta(hours=1, minutes=30)}
# Every tick while results usually appear and get corrected, hourly after, nothing after a week.
FREQUENT_FOR = timedelta(hours=6)
LATER_EVERY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=7)
# Sessions are looked at this long after giving up, so the alert is sent even after a scheduler outage;
# older ones (past seasons loaded from a snapshot) are never looked at.
ALERT_GRACE = timedelta(days=3)
# The earliest classified session (sprint qualifying weekend: qualifying on Friday) starts this long before the race.
EARLIEST_SESSION = timedelta(days=3)
LAST_POLL_KEY = "f1:results-poll:last:{race_id}:{session}"
GAVE_UP_KEY = "f1:results-poll:gave-up:{race_id}:{session}"


@dataclass
class PollSummary:
    due: list[tuple[int, SessionKind]] = field(default_factory=list)
    waiting: int = 0
    gave_up: list[tuple[int, SessionKind]] = field(default_factory=list)
    requests: int = 0
    changed: int = 0
    finalized: int = 0
    errors: int = 0

    def line(self) -> str:
        return (f"due={len(self.due)} waiting={self.waiting} gave_up={len(self.gave_up)} requests={self.requests} "
                f"changed={self.changed} finalized={self.finalized} errors={self.errors}")


def session_start(race: Race, session: SessionKind) -> datetime | None:
    if session is SessionKind.race:
        return race.starts_at
    return next((s.starts_at for s in race.sessions if s.kind == CALENDAR_KEY[session]), None)


def _open_states(now: datetime) -> list[tuple[Race, ResultState]]:
    """Non-final classifications of races close enough to now to matter, in one query."""
    oldest = now - GIVE_UP_AFTER - ALERT_GRACE - max(ALLOWANCE.values())
    rows = db.session.execute(
        select(Race, ResultState).join(ResultState, ResultState.race_id == Race.id)
        .where(ResultState.state != ResultLifecycle.final, Race.status != RaceStatus.cancelled,
               Race.starts_at >= oldest, Race.starts_at <= now + EARLIEST_SESSION)
        .order_by(Race.starts_at, ResultState.session)
    ).all()
    return [(race, state) for race, state in rows]


def _last_poll(race_id: int, session: SessionKind) -> datetime | None:
    raw = get_redis().get(LAST_POLL_KEY.format(race_id=race_id, session=session.value))
    return datetime.fromisoformat(raw.decode()) if raw else None


def _record_poll(race_id: int, session: SessionKind, now: datetime) -> None:
    key = LAST_POLL_KEY.format(race_id=race_id, session=session.value)
    get_redis().set(key, now.isoformat(), ex=int((GIVE_UP_AFTER + ALERT_GRACE).total_seconds()))


def _give_up(race: Race, session: SessionKind, summary: PollSummary) -> None:
    """Alert once per session: the marker outlives the window in which the session is looked at."""
    key = GAVE_UP_KEY.format(race_id=race.id, session=session.value)
    ttl = int((GIVE_UP_AFTER + ALERT_GRACE + EARLIEST_SESSION + timedelta(days=1)).total_seconds())
    if not get_redis().set(key, "1", nx=True, ex=ttl):
        return
    summary.gave_up.append((race.id, session))
    log.error("results_poll_gave_up race_id=%s season=%s round=%s session=%s after_days=%s",
              race.id, race.season_year, race.round, session.value, GIVE_UP_AFTER.days)
    events.results_poll_gave_up.send(race.id, session=session)


def due_sessions(now: datetime, summary: PollSummary) -> dict[tuple[int, int, int], list[SessionKind]]:
    """The sessions to fetch now, by (race id, season, round); gives up on those past the polling window."""
    due: dict[tuple[int, int, int], list[SessionKind]] = {}
    for race, state in _open_states(now):
        start = session_start(race, state.session)
        if start is None:
            continue  # an old calendar without this session's time: only the daily sync will see it
        ended = start + ALLOWANCE[state.session]
        if now < ended:
            summary.waiting += 1
            continue
        if now - ended >= GIVE_UP_AFTER:
            _give_up(race, state.session, summary)
            continue
        last = _last_poll(race.id, state.session)
        if now - ended >= FREQUENT_FOR and last is not None and now - last < LATER_EVERY:
            continue
        due.setdefault((race.id, race.season_year, race.round), []).append(state.session)
        summary.due.append((race.id, state.session))
    return due


def poll_results(now: datetime | None = None) -> PollSummary:
    """Fetch each due session through the ordinary ingest: one request per session and round.

    A change is stored and announced (results_changed, which queues scoring); unchanged content writes
    nothing; the verification window moves provisional results to final. One failing round does not stop
    the others: the next tick tries it again.
    """
    now = now or utcnow()
    summary = PollSummary()
    due = due_sessions(now, summary)
    db.session.rollback()  # end the read transaction: each round is written in its own
    if not due:
        return summary
    with service.build_client() as client:
        for (race_id, year, round_), sessions in due.items():
            for session in sessions:
                _record_poll(race_id, session, now)
            try:
                stored = service.sync_season(year, round_, client=client, sessions=tuple(sessions))
            except (NotFound, ServiceUnavailable) as error:
                db.session.rollback()
                summary.errors += 1
                log.warning("results_poll_failed race_id=%s season=%s round=%s error=%r",
                            race_id, year, round_, error.message)
                continue
            summary.changed += len(stored.changed)
            summary.finalized += stored.finalized
        summary.requests = client.requests_made
    return summary
