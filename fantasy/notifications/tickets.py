"""Event stream tickets: single use, one minute, and bound to the session that asked for one.

EventSource cannot send an Authorization header, and a long-lived token in a URL ends up in logs, so a
stream is opened with a ticket. The ticket keeps the asking token's family and version: it is refused
once that session logged out, or once every session of the user ended (logout-all, a password change).
"""
import json
import secrets

from fantasy.auth import tokens
from fantasy.common.redis import get_redis
from fantasy.errors import Unauthorized

TICKET = "events:ticket:{}"
TICKET_SECONDS = 60
REFUSED = "Unknown, used or expired stream ticket"


def issue(user_id: int, claims: dict) -> dict:
    """A ticket for the session of the access token whose `claims` are given."""
    ticket = secrets.token_urlsafe(24)
    session = {"sub": str(user_id), "fam": claims["fam"], "ver": claims.get("ver", 0)}
    get_redis().set(TICKET.format(ticket), json.dumps(session), ex=TICKET_SECONDS)
    return {"ticket": ticket, "expires_in": TICKET_SECONDS}


def check(ticket: str) -> tuple[int, int]:
    """(user id, token version) of a ticket whose session is alive; the ticket stays unspent (`spend`),
    so a stream refused for want of room can be retried with it."""
    raw = get_redis().get(TICKET.format(ticket))
    try:
        session = json.loads(raw) if raw else None
        user_id, version = int(session["sub"]), int(session["ver"])
    except (TypeError, ValueError, LookupError):
        raise Unauthorized(REFUSED) from None
    if tokens.is_revoked(session):
        raise Unauthorized(REFUSED)
    return user_id, version


def spend(ticket: str) -> None:
    """Use the ticket up; a second use (even a concurrent one) is refused."""
    if not get_redis().delete(TICKET.format(ticket)):
        raise Unauthorized(REFUSED)
