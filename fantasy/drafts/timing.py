"""Live draft timing (§7): a draft locks at the weekend's first scored session and opens hours before."""
from datetime import datetime, timedelta

from fantasy.f1data.models import Race, SessionKind
from fantasy.leagues.models import League
from fantasy.scoring.rules import scored_sessions

QUALIFYING_KEYS = ("Qualifying",)
# Calendar keys of a sprint weekend's sessions; old recordings list only Sprint.
SPRINT_KEYS = ("SprintQualifying", "SprintShootout", "Sprint")


def lock_time(race: Race, scores_sprint: bool) -> datetime:
    """Qualifying's start, or the sprint qualifying's when the ruleset scores sprints and it comes first.

    The grid is set in qualifying, so even a race-only ruleset locks there. Without any of these times
    (an old calendar) the draft locks at the race start.
    """
    starts = {session.kind: session.starts_at for session in race.sessions}
    keys = QUALIFYING_KEYS + (SPRINT_KEYS if scores_sprint else ())
    candidates = [starts[key] for key in keys if key in starts]
    return min(candidates) if candidates else race.starts_at


def draft_window(race: Race, league: League) -> tuple[datetime, datetime]:
    locks_at = lock_time(race, SessionKind.sprint in scored_sessions(league.ruleset))
    return locks_at - timedelta(hours=league.draft_opens_hours), locks_at
