"""Scoring a race: asset scores for every ruleset in use, in one transaction, idempotent (§8, §13).

A pick's points depend only on (ruleset, race, driver), so a race is scored once per distinct ruleset
(~20 rows each) and every pick, team and league total is derived from those rows where it is read.
A correction therefore rewrites a few rows and bumps a version counter; nothing per pick is written.
Draft leagues pick drivers, so their rulesets store driver rows; `score_assets` stores a ruleset's drivers
and constructors in the same rows for the market (fantasy/market), which needs them whether or not a league
plays the race.
"""
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, fields
from decimal import Decimal

from sqlalchemy import delete, insert, select, update

from fantasy.common.background import ask
from fantasy.common.clock import utcnow
from fantasy.drafts.models import Draft, DraftState
from fantasy.errors import NotFound
from fantasy.extensions import db
from fantasy.f1data.models import Race, RaceStatus, SessionKind, SessionResult
from fantasy.leagues.models import League
from fantasy.scoring import cache, events, salary_cap
from fantasy.scoring.models import CONSTRUCTOR, DRIVER, AssetScore, asset_key
from fantasy.scoring.rules import Result, points_text, ruleset_key, score_constructor, score_weekend
from fantasy.scoring.standings import RULESET_TEXT

log = logging.getLogger(__name__)

SCORABLE = (DraftState.locked, DraftState.scored)


@dataclass
class Weekend:
    """A race weekend as plain data: every driver's rows by session, each session's field size, and each
    constructor's drivers (those who drove for it in any session of the weekend)."""

    drivers: dict[int, dict[SessionKind, Result]]
    sizes: dict[SessionKind, int]
    teams: dict[int, list[int]]

    def scores(self, ruleset: str | dict, constructors: bool) -> dict[tuple[str, int], tuple[Decimal, dict]]:
        """Every asset's (points, line items) under a ruleset, keyed (kind, id)."""
        scores = {(DRIVER, driver_id): score_weekend(ruleset, sessions, self.sizes)
                  for driver_id, sessions in self.drivers.items()}
        if constructors:
            for constructor_id, driver_ids in self.teams.items():
                scores[(CONSTRUCTOR, constructor_id)] = score_constructor(
                    ruleset, [self.drivers[driver_id] for driver_id in driver_ids], self.sizes)
        return scores


# A Result's fields, in order, as the session_results columns of the same names.
RESULT_COLUMNS = tuple(getattr(SessionResult, field.name) for field in fields(Result))


def _weekend(race_id: int) -> Weekend:
    """The race's stored results as plain data (columns, not ORM objects: a season's pricing reads every race)."""
    rows = db.session.execute(
        select(SessionResult.driver_id, SessionResult.constructor_id, SessionResult.session, *RESULT_COLUMNS)
        .where(SessionResult.race_id == race_id).order_by(SessionResult.id)
    )
    weekend = Weekend(defaultdict(dict), defaultdict(int), defaultdict(list))
    for driver_id, constructor_id, session, *result in rows:
        # q2/q3 times too: a constructor's qualifying bonus is decided by the stages its drivers reached.
        weekend.drivers[driver_id][session] = Result(*result)
        weekend.sizes[session] += 1
        if driver_id not in weekend.teams[constructor_id]:
            weekend.teams[constructor_id].append(driver_id)
    return weekend


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


def _status(race_id: int) -> RaceStatus:
    """The race's status, read alone (a Race object loads its circuit, sessions and result states)."""
    status = db.session.scalar(select(Race.status).where(Race.id == race_id))
    if status is None:
        raise NotFound(f"No race {race_id}")
    return status


def _has_race_classification(race_id: int) -> bool:
    return db.session.scalar(
        select(SessionResult.id)
        .where(SessionResult.race_id == race_id, SessionResult.session == SessionKind.race).limit(1)
    ) is not None


def _store(key: str, race_id: int, scores: dict[tuple[str, int], tuple[Decimal, dict]],
           constructors: bool) -> str | None:
    """Make the stored rows of (ruleset, race) equal `scores`, touching only what differs; constructor rows
    are left alone unless `constructors` (a draft league's scoring must not drop the market's rows).

    Returns None when nothing changed, "scored" for a first scoring, "corrected" when rows changed.
    """
    statement = select(AssetScore.id, AssetScore.driver_id, AssetScore.constructor_id, AssetScore.points,
                       AssetScore.breakdown).where(AssetScore.ruleset == key, AssetScore.race_id == race_id)
    if not constructors:
        statement = statement.where(AssetScore.driver_id.is_not(None))
    # Rows as columns and written set-based: a season's pricing stores every race's (not ORM objects).
    existing = {asset_key(driver_id, constructor_id): (id_, points, breakdown)
                for id_, driver_id, constructor_id, points, breakdown in db.session.execute(statement)}
    first = not existing
    now = utcnow()
    inserts, updates = [], []
    for (kind, asset_id), (points, items) in scores.items():
        breakdown = {name: points_text(value) for name, value in items.items()}
        row = existing.pop((kind, asset_id), None)
        if row is None:
            inserts.append({"ruleset": key, "race_id": race_id, "points": points, "breakdown": breakdown,
                            "computed_at": now, "driver_id": None, "constructor_id": None, f"{kind}_id": asset_id})
        elif row[1:] != (points, breakdown):  # (id, points, breakdown)
            updates.append({"id": row[0], "points": points, "breakdown": breakdown, "computed_at": now})
    if inserts:
        db.session.execute(insert(AssetScore), inserts)
    if updates:
        db.session.execute(update(AssetScore), updates)
    if existing:
        db.session.execute(delete(AssetScore).where(AssetScore.id.in_([id_ for id_, _p, _b in existing.values()])))
    if not (inserts or updates or existing):
        return None
    return "scored" if first else "corrected"


def score_assets(race_id: int, ruleset: str) -> str | None:
    """Store every driver's and constructor's score of a race under one preset (the market's), without
    committing; a race without a race classification, or cancelled, scores nothing. Idempotent: returns
    what `_store` did. A correction is announced here, in the caller's transaction, to the leagues that had
    the race scored under the preset (whichever job stores a correction first announces it, once); after its
    commit the caller calls `assets_committed`."""
    scorable = _status(race_id) != RaceStatus.cancelled and _has_race_classification(race_id)
    change = _store(ruleset, race_id, _weekend(race_id).scores(ruleset, True) if scorable else {}, True)
    if change:
        cache.bump([ruleset], [])  # before the commit too: see score_race
    corrected = _corrected(race_id, _rulesets_in_use(race_id), {ruleset}) if change == "corrected" else []
    if corrected:
        events.scores_corrected.send(race_id, league_ids=sorted(corrected))
    return change


def assets_committed(ruleset: str, change: str | None) -> None:
    """After `score_assets`' change is committed: standings under that ruleset recompute."""
    if change:
        cache.bump([ruleset], [])


def score_race(race_id: int) -> dict:
    """(Re)score one race for every ruleset in use and mark its locked drafts and salary-cap rounds scored.
    Idempotent."""
    status = _status(race_id)
    rulesets = _rulesets_in_use(race_id)
    # Salary-cap leagues that locked this race: waiting for its scores, and scored before.
    newly_salary, scored_before = salary_cap.rounds_of(race_id)
    salary = bool(newly_salary or scored_before)
    if salary:
        rulesets.setdefault(salary_cap.PRESET, (salary_cap.PRESET, set()))
    cancelled = status == RaceStatus.cancelled
    if not cancelled and not _has_race_classification(race_id):
        db.session.rollback()
        return {"race_id": race_id, "scored": False, "reason": "no race classification yet"}
    weekend = _weekend(race_id)
    changes = {}
    for key, (ruleset, _texts) in rulesets.items():
        # A salary-cap round needs the constructors' rows too; a draft league's scoring leaves them alone.
        assets = salary and key == salary_cap.PRESET
        changes[key] = _store(key, race_id, {} if cancelled else weekend.scores(ruleset, assets), assets)
    changed_keys = [key for key, change in changes.items() if change]
    newly_scored = db.session.scalars(
        select(Draft.league_id).where(Draft.race_id == race_id, Draft.state == DraftState.locked)
    ).all()
    if newly_scored:
        db.session.execute(
            update(Draft).where(Draft.race_id == race_id, Draft.state == DraftState.locked)
            .values(state=DraftState.scored)
        )
    if newly_salary:
        newly_scored = [*newly_scored, *newly_salary]
        salary_cap.mark_scored(race_id)
    corrected_keys = {key for key, change in changes.items() if change == "corrected"}
    corrected = sorted(set(_corrected(race_id, rulesets, corrected_keys, scored_before)) - set(newly_scored))
    # In this transaction: the notifications' outbox rows commit with the scores (events.py).
    if newly_scored:
        events.race_scored.send(race_id, league_ids=sorted(newly_scored))
    if corrected:
        events.scores_corrected.send(race_id, league_ids=corrected)
    # Bumped before the commit too: if Redis is down the job fails and retries instead of leaving
    # stale standings behind a committed correction.
    cache.bump(changed_keys, newly_scored)
    db.session.commit()
    cache.bump(changed_keys, newly_scored)
    summary = {"race_id": race_id, "scored": True, "rulesets": len(rulesets), "rulesets_changed": len(changed_keys),
               "leagues_newly_scored": len(newly_scored), "leagues_corrected": len(corrected)}
    log.info("race scored", extra=summary)
    return summary


def _corrected(race_id: int, rulesets: dict, keys: set[str], salary_scored: list[int] | None = None) -> list[int]:
    """Leagues that had this race scored under one of these ruleset keys: drafts by their ruleset's stored
    text, salary-cap leagues (always f1_fantasy_2025) by their scored round (read here unless given)."""
    texts = {text for key in keys if key in rulesets for text in rulesets[key][1]}
    leagues = list(_leagues_with(race_id, texts))
    if salary_cap.PRESET in keys:
        leagues += salary_scored if salary_scored is not None else salary_cap.scored_leagues(race_id)
    return leagues


def request_rescore(race_id: int) -> str:
    """An admin asks for a race to be re-scored for every league: the queued job's id."""
    if db.session.get(Race, race_id) is None:
        raise NotFound(f"No race {race_id}")
    return ask(events.scoring_due, race_id)


def _leagues_with(race_id: int, ruleset_texts: set[str]) -> list[int]:
    """Leagues whose scored draft of this race uses one of these rulesets (given as stored JSON texts)."""
    if not ruleset_texts:
        return []
    return db.session.scalars(
        select(Draft.league_id).join(League, League.id == Draft.league_id)
        .where(Draft.race_id == race_id, Draft.state == DraftState.scored, RULESET_TEXT.in_(sorted(ruleset_texts)))
    ).all()
