"""Scoring a race: driver scores for every ruleset in use, in one transaction, idempotent (§8).

A pick's points depend only on (ruleset, race, driver), so a race is scored once per distinct ruleset
(~20 rows each) and every pick, team and league total is derived from those rows where it is read.
A correction therefore rewrites a few rows and bumps a version counter; nothing per pick is written.
"""
import json
import logging
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import Text, cast, delete, select, update

from fantasy.common.clock import utcnow
from fantasy.drafts.models import Draft, DraftState
from fantasy.errors import NotFound
from fantasy.extensions import db
from fantasy.f1data.models import Race, RaceStatus, SessionKind, SessionResult
from fantasy.leagues.models import League
from fantasy.scoring import cache, events
from fantasy.scoring.models import DriverScore
from fantasy.scoring.rules import Result, ruleset_key, score_weekend
from fantasy.scoring.standings import points_text

log = logging.getLogger(__name__)

SCORABLE = (DraftState.locked, DraftState.scored)


def _weekend(race_id: int) -> tuple[dict[int, dict[SessionKind, Result]], dict[SessionKind, int]]:
    """Every driver's rows of the weekend as plain data, and each session's field size."""
    rows = db.session.scalars(select(SessionResult).where(SessionResult.race_id == race_id)).all()
    drivers: dict[int, dict[SessionKind, Result]] = defaultdict(dict)
    sizes: dict[SessionKind, int] = defaultdict(int)
    for row in rows:
        drivers[row.driver_id][row.session] = Result(
            position=row.position, position_text=row.position_text, status=row.status, grid=row.grid,
            points=row.points, fastest_lap_rank=row.fastest_lap_rank, q1_ms=row.q1_ms,
        )
        sizes[row.session] += 1
    return drivers, sizes


# A league's ruleset as its stored JSON text: the database de-duplicates the texts, so Python decodes and
# keys a handful of rulesets rather than one per league (100k leagues: 1.5 s -> 0.05 s, bench/README.md).
RULESET_TEXT = cast(League.ruleset, Text)


def _rulesets_in_use(race_id: int) -> dict[str, tuple[str | dict, set[str]]]:
    """Distinct rulesets of the leagues holding a locked or scored draft of this race: key -> (ruleset, texts)."""
    texts = db.session.scalars(
        select(RULESET_TEXT).distinct().join(Draft, Draft.league_id == League.id)
        .where(Draft.race_id == race_id, Draft.state.in_(SCORABLE))
    ).all()
    rulesets: dict[str, tuple[str | dict, set[str]]] = {}
    for text in texts:
        ruleset = json.loads(text)
        rulesets.setdefault(ruleset_key(ruleset), (ruleset, set()))[1].add(text)
    return rulesets


def _has_race_classification(race_id: int) -> bool:
    return db.session.scalar(
        select(SessionResult.id).where(SessionResult.race_id == race_id, SessionResult.session == SessionKind.race).limit(1)
    ) is not None


def _store(key: str, race_id: int, scores: dict[int, tuple[Decimal, dict]]) -> str | None:
    """Make the stored rows of (ruleset, race) equal `scores`, touching only what differs.

    Returns None when nothing changed, "scored" for a first scoring, "corrected" when rows changed.
    """
    existing = {row.driver_id: row for row in db.session.scalars(
        select(DriverScore).where(DriverScore.ruleset == key, DriverScore.race_id == race_id)
    )}
    first = not existing
    changed = False
    now = utcnow()
    for driver_id, (points, items) in scores.items():
        breakdown = {name: points_text(value) for name, value in items.items()}
        row = existing.pop(driver_id, None)
        if row is None:
            db.session.add(DriverScore(ruleset=key, race_id=race_id, driver_id=driver_id, points=points,
                                       breakdown=breakdown, computed_at=now))
            changed = True
        elif row.points != points or row.breakdown != breakdown:
            row.points, row.breakdown, row.computed_at = points, breakdown, now
            changed = True
    if existing:
        db.session.execute(delete(DriverScore).where(DriverScore.id.in_([row.id for row in existing.values()])))
        changed = True
    if not changed:
        return None
    return "scored" if first else "corrected"


def score_race(race_id: int) -> dict:
    """(Re)score one race for every ruleset in use and mark its locked drafts scored. Idempotent."""
    race = db.session.get(Race, race_id)
    if race is None:
        raise NotFound(f"No race {race_id}")
    rulesets = _rulesets_in_use(race_id)
    cancelled = race.status == RaceStatus.cancelled
    if not cancelled and not _has_race_classification(race_id):
        db.session.rollback()
        return {"race_id": race_id, "scored": False, "reason": "no race classification yet"}
    drivers, sizes = _weekend(race_id)
    changes = {}
    for key, (ruleset, _texts) in rulesets.items():
        scores = {} if cancelled else {
            driver_id: score_weekend(ruleset, sessions, sizes) for driver_id, sessions in drivers.items()
        }
        changes[key] = _store(key, race_id, scores)
    changed_keys = [key for key, change in changes.items() if change]
    newly_scored = db.session.scalars(
        select(Draft.league_id).where(Draft.race_id == race_id, Draft.state == DraftState.locked)
    ).all()
    if newly_scored:
        db.session.execute(
            update(Draft).where(Draft.race_id == race_id, Draft.state == DraftState.locked).values(state=DraftState.scored)
        )
    # Bumped before the commit too: if Redis is down the job fails and retries instead of leaving
    # stale standings behind a committed correction.
    cache.bump(changed_keys, newly_scored)
    db.session.commit()
    cache.bump(changed_keys, newly_scored)
    corrected_texts = {text for key, change in changes.items() if change == "corrected" for text in rulesets[key][1]}
    corrected = sorted(set(_leagues_with(race_id, corrected_texts)) - set(newly_scored))
    if newly_scored:
        events.race_scored.send(race_id, league_ids=sorted(newly_scored))
    if corrected:
        events.scores_corrected.send(race_id, league_ids=corrected)
    summary = {"race_id": race_id, "scored": True, "rulesets": len(rulesets), "rulesets_changed": len(changed_keys),
               "leagues_newly_scored": len(newly_scored), "leagues_corrected": len(corrected)}
    log.info("race scored", extra=summary)
    return summary


def _leagues_with(race_id: int, ruleset_texts: set[str]) -> list[int]:
    """Leagues whose scored draft of this race uses one of these rulesets (given as stored JSON texts)."""
    if not ruleset_texts:
        return []
    return db.session.scalars(
        select(Draft.league_id).join(League, League.id == Draft.league_id)
        .where(Draft.race_id == race_id, Draft.state == DraftState.scored, RULESET_TEXT.in_(sorted(ruleset_texts)))
    ).all()
