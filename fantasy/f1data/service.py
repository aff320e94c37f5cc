"""F1 data use cases: sync a season from Jolpica, snapshot and load it offline, correct results, read queries."""
import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from fantasy.common.background import ask
from fantasy.common.clock import utcnow
from fantasy.common.redis import get_redis
from fantasy.errors import NotFound, ServiceUnavailable, Unprocessable
from fantasy.extensions import db
from fantasy.f1data import events, offline, queries
from fantasy.f1data.client import JolpicaClient, RateLimiter, UpstreamError, UpstreamNotFound
from fantasy.f1data.ingest import (
    MalformedRow,
    SeasonData,
    Summary,
    apply_classification,
    ingest_season,
    manual_row,
    state_for,
)
from fantasy.f1data.models import ResultSource, Season, SessionKind

log = logging.getLogger(__name__)
audit = logging.getLogger("fantasy.audit")

# Client method per classification; each is one whole-season (or one-round) endpoint paged by 100 rows.
RESULT_ENDPOINTS = {SessionKind.race: "results", SessionKind.sprint: "sprint", SessionKind.qualifying: "qualifying"}
REFERENCE_ENDPOINTS = ("seasons", "circuits", "drivers", "constructors", "races")
SYNC_STEPS = len(REFERENCE_ENDPOINTS) + len(RESULT_ENDPOINTS) + 1  # fetches, then the one write
# The default run's live attempt: a few seconds to connect and a single try, so an offline machine falls
# back to the bundled snapshot at once instead of backing off for minutes.
BOOTSTRAP_CLIENT = {"timeout": (3.05, 10), "max_attempts": 1, "max_wait": 5}


def build_client(**options) -> JolpicaClient:
    """A client on the configured upstream, sharing the request budget of every process through Redis."""
    options.setdefault("backoff_base", current_app.config["JOLPICA_BACKOFF_SECONDS"])
    options.setdefault("backoff_cap", current_app.config["JOLPICA_BACKOFF_CAP_SECONDS"])
    options.setdefault("max_attempts", current_app.config["JOLPICA_MAX_ATTEMPTS"])
    return JolpicaClient(current_app.config["JOLPICA_BASE_URL"], limiter=RateLimiter(get_redis()), **options)


def _window() -> timedelta:
    return timedelta(hours=current_app.config["RESULTS_VERIFICATION_HOURS"])


def fetch_season(client: JolpicaClient, year: int, round: int | None = None, *, skip_missing: bool = False,
                 progress=None, sessions=tuple(RESULT_ENDPOINTS)) -> SeasonData:
    """Everything about a season (or one round's classifications) in memory, before any write.

    `skip_missing` treats a 404 as "not in this source" (snapshots hold what was recorded); live, a 404 fails.
    `sessions` narrows the classifications fetched (the results poll asks only for the sessions it awaits).
    """
    data = SeasonData(year=year)
    tick = progress or (lambda step: None)

    def fetch(name: str, *args):
        try:
            return getattr(client, name)(*args)
        except UpstreamNotFound:
            if skip_missing:
                return None
            raise
        finally:
            tick(name)

    if round is None:
        seasons = fetch("seasons", year)
        data.season = seasons[0] if seasons else None
        data.circuits, data.drivers, data.constructors = (fetch(n, year) for n in REFERENCE_ENDPOINTS[1:4])
        data.calendar = fetch("races", year)
        data.full_calendar = data.calendar is not None
    for session in sessions:
        races = fetch(RESULT_ENDPOINTS[session], year, round)
        if races is not None:
            data.results[session] = races
    return data


def _commit(summaries: list[Summary]) -> None:
    """Commit, then tell subscribers once per changed classification (they must see committed rows)."""
    db.session.commit()
    for summary in summaries:
        for race_id, session in summary.changed:
            events.results_changed.send(race_id, session=session)


def _store(datasets: list[SeasonData], requests_made: int) -> Summary:
    now, window = utcnow(), _window()
    try:
        summaries = [ingest_season(data, now, window) for data in datasets]
    except Exception:
        db.session.rollback()
        raise
    _commit(summaries)
    total = Summary(requests=requests_made)
    for summary in summaries:
        for name in ("inserted", "updated", "unchanged", "deleted", "finalized"):
            setattr(total, name, getattr(total, name) + getattr(summary, name))
        total.changed += summary.changed
    return total


def sync_season(year: int, round: int | None = None, *, client: JolpicaClient | None = None,
                progress=None, sessions=tuple(RESULT_ENDPOINTS)) -> Summary:
    """Fetch a season (or one round, or some of its sessions) from the upstream and store it in one transaction."""
    owned = client is None
    client = client or build_client()
    try:
        data = fetch_season(client, year, round, progress=progress, sessions=sessions)
    except UpstreamNotFound:
        raise NotFound(f"The upstream has no season {year}" + (f" round {round}" if round else "")) from None
    except UpstreamError as error:
        log.warning("f1_sync_failed season=%s round=%s error=%r", year, round, str(error))
        raise ServiceUnavailable("The F1 data upstream is unavailable; nothing was changed") from None
    finally:
        if owned:
            client.close()
    try:
        summary = _store([data], client.requests_made)
    except MalformedRow as error:
        log.warning("f1_sync_failed season=%s round=%s error=%r", year, round, str(error))
        raise ServiceUnavailable("The F1 data upstream sent a malformed classification; nothing was changed") from None
    if progress:
        progress("store")
    log.info("f1_sync season=%s round=%s %s", year, round, summary.line())
    return summary


def snapshot_season(year: int, directory: Path, *, client: JolpicaClient | None = None, progress=None) -> int:
    """Record every upstream page a season sync reads under `directory`; returns the requests made."""
    client = client or build_client()
    client.on_payload = offline.payload_writer(Path(directory))
    try:
        fetch_season(client, year, progress=progress)
    except UpstreamError as error:
        raise ServiceUnavailable(f"Snapshot incomplete: {error}") from None
    return client.requests_made


def load_snapshot(directory: Path = offline.BUNDLED) -> Summary:
    """Load a snapshot directory offline through the same paging and ingest as a live sync."""
    directory = Path(directory)
    if not directory.is_dir():
        raise NotFound(f"No snapshot directory {directory}")
    client = offline.offline_client(directory)
    datasets = []
    try:
        # Newest season first: its descriptions of shared circuits, drivers and constructors win.
        for year, rounds in sorted(offline.snapshot_layout(directory).items(), reverse=True):
            data = fetch_season(client, year, skip_missing=True)
            data.refresh_reference = not datasets
            for round_ in rounds:  # round-level recordings add classifications the season pages lack
                extra = fetch_season(client, year, round_, skip_missing=True)
                for session, races in extra.results.items():
                    data.results[session] = _merge_rounds(data.results.get(session, []), races)
            datasets.append(data)
    except UpstreamError as error:
        raise Unprocessable(f"Snapshot {directory} is not readable: {error}") from None
    return _store(datasets, client.requests_made)


def _merge_rounds(races: list[dict], more: list[dict]) -> list[dict]:
    by_round = {race["round"]: race for race in races}
    by_round.update({race["round"]: race for race in more})
    return list(by_round.values())


def bootstrap(year: int | None = None) -> tuple[str, Summary | None]:
    """Make sure F1 data is stored: the season live from the upstream, else the bundled snapshot.

    Returns where the data came from ("stored" when some season already was: nothing is fetched then, so
    every start of the default run stays cheap) and the write summary.
    """
    if db.session.scalar(select(Season.year).limit(1)) is not None:
        return "stored", None
    year = year or utcnow().year
    try:
        with build_client(**BOOTSTRAP_CLIENT) as client:
            summary = sync_season(year, client=client)
        if db.session.get(Season, year) is not None:
            return "upstream", summary
        reason = "no such season upstream yet"
    except (NotFound, ServiceUnavailable) as error:
        db.session.rollback()
        reason = error.message
    log.warning("f1_bootstrap_fallback season=%s reason=%r", year, reason)
    return "snapshot", load_snapshot()


def enqueue_sync(year: int, round: int | None = None) -> dict:
    """Queue the sync job; a sync of the same scope still waiting is reused (fantasy.jobs.f1data)."""
    return ask(events.sync_requested, year, round=round)


def correct_results(race_id: int, session: SessionKind, rows: list[dict], actor_id: int | None):
    """Enter or correct one classification by hand through the same ingest path as the upstream's."""
    race = queries.get_race(race_id)
    queries.check_known(rows)
    if session is not SessionKind.qualifying and any(not row.get("position_text") for row in rows):
        raise Unprocessable("Race and sprint rows need a position_text (a number, or R, D, E, W, F, N)")
    summary = Summary()
    try:
        apply_classification(race, state_for(race, session), [manual_row(session, row) for row in rows],
                             ResultSource.manual, utcnow(), _window(),
                             summary)
    except Exception:
        db.session.rollback()
        raise
    _commit([summary])
    audit.info("results_corrected race_id=%s session=%s actor_id=%s rows=%d changed=%s",
               race_id, session.value, actor_id, len(rows), bool(summary.changed))
    return db.session.scalars(queries.results(race_id, session)).all()
