"""Which rounds of a league can be played (§7): a round counts only if the stored results can score it —
a race classification exists, or every session the league's ruleset scores has one. Said in the league's
races list (drafts/reads.py), refused (409) when a replay round is opened, and shown in a locked round's
draft state."""
from sqlalchemy import select

from fantasy.drafts.models import DraftState
from fantasy.errors import Conflict
from fantasy.extensions import db
from fantasy.f1data.models import Race, RaceStatus, SessionKind, SessionResult
from fantasy.leagues.models import League, LeagueMode
from fantasy.scoring.rules import scored_sessions

CANCELLED = "The race was cancelled: it scores nothing"
SESSION_ORDER = (SessionKind.race, SessionKind.sprint, SessionKind.qualifying)


def stored_sessions(race_ids) -> dict[int, set[SessionKind]]:
    """The sessions of each race that have a stored classification, in one statement."""
    rows = db.session.execute(
        select(SessionResult.race_id, SessionResult.session).distinct().where(SessionResult.race_id.in_(race_ids))
    ).all()
    sessions: dict[int, set[SessionKind]] = {race_id: set() for race_id in race_ids}
    for race_id, session in rows:
        sessions[race_id].add(session)
    return sessions


def unplayable_reason(race: Race, stored: set[SessionKind], ruleset) -> str | None:
    """Why the stored results cannot score `race` under `ruleset`; None when they can."""
    if race.status == RaceStatus.cancelled:
        return CANCELLED
    scored = scored_sessions(ruleset)
    if SessionKind.race in stored or scored <= stored:
        return None
    missing = " or ".join(session.value for session in SESSION_ORDER if session in scored - stored)
    return (f"Round {race.round} cannot be scored: no {missing} classification is stored for it (a round "
            "needs its race classification, or one for every session the ruleset scores)")


def check_playable(league: League, race: Race) -> None:
    """A replay round is opened only if it can be scored once locked (409 saying why otherwise)."""
    reason = unplayable_reason(race, stored_sessions([race.id])[race.id], league.ruleset)
    if reason is not None:
        raise Conflict(reason)


def round_problem(league: League, race: Race, state: DraftState | str | None,
                  stored: set[SessionKind]) -> str | None:
    """What a client is told about a round: why it cannot be scored, for a replay round until it is scored;
    for a live round only once it is locked (before that its results are not due) or cancelled. `state` is
    the round's draft state, or a salary-cap league's lineup state (its `locked` and `scored` mean the same)."""
    if state == DraftState.scored:
        return None
    if (league.mode == LeagueMode.live and race.status != RaceStatus.cancelled
            and state not in (DraftState.locked,)):
        return None
    return unplayable_reason(race, stored, league.ruleset)
