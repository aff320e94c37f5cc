"""The league's audit log: one helper records what happened in a league and who did it (league_events)."""
import logging

from fantasy.auth.models import User
from fantasy.extensions import db
from fantasy.leagues.models import LeagueEvent

log = logging.getLogger(__name__)


def audit(league_id: int, actor: User | None, kind: str, **data) -> None:
    """Add the event to the session: it commits with the change it records (and notifies: notifications/hooks.py)."""
    actor_id = actor.id if actor else None
    db.session.add(LeagueEvent(league_id=league_id, actor_id=actor_id, kind=kind, data=data))
    log.info("league event", extra={"league_id": league_id, "kind": kind, "actor_id": actor_id})
