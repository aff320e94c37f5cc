"""JWT pairs, refresh rotation with reuse detection, and revocation.

Every login starts a token *family* (`fam` claim, carried by its access and refresh tokens): a database
row that names the one refresh token allowed to rotate it next and whether the session was revoked
(logout, refresh-token reuse), cached in Redis (auth/families.py), so an emptied Redis costs speed, never
a revocation. Ending *every* session (logout everywhere, a password change, a deactivation) bumps the
user's `token_version` in the database, in the same commit as the change that calls for it, and tokens
carry the version they were issued under (`ver`): no Redis failure or concurrent login can leave one alive.

Every request checks its token against its family and the user's *principal* (token version, active,
admin): a Redis snapshot of the user row kept current by generation counters (common/snapshots.py), read
in the same round trip as the family's cache entry, so authenticating a request needs no PostgreSQL; the
same round trip makes the read a route asked for before its token was checked (common/snapshots.ahead).
Routes that need the row itself use `current_user` from this module: it loads the row on first use and
checks it once more against the committed version and active flag. The hot routes (standings, picks) use
`current_principal`.
"""
import logging
import re

import redis
from flask import current_app, g
from flask_jwt_extended import create_access_token, create_refresh_token, get_current_user, get_jwt
from werkzeug.local import LocalProxy

from fantasy.auth import families
from fantasy.auth.models import User
from fantasy.auth.principal import Principal
from fantasy.common import snapshots
from fantasy.errors import Unauthorized
from fantasy.extensions import db

log = logging.getLogger(__name__)

# The claims as this app writes them: anything else, even correctly signed, names no session or user.
FAMILY_ID = re.compile(r"[0-9a-f]{32}")
USER_ID = re.compile(r"[1-9][0-9]{0,9}")
MAX_USER_ID = 2**31 - 1
# The suffix names the form of the data: a new field means a new suffix, so old snapshots are never read.
PRINCIPAL = "snap:user:{}:v1"


def _pair(user: User, family: str, refresh_jti: str) -> dict:
    claims = {"fam": family, "ver": user.token_version}
    identity = str(user.id)
    return {
        "access_token": create_access_token(identity=identity, additional_claims=claims),
        "refresh_token": create_refresh_token(identity=identity, additional_claims={**claims, "jti": refresh_jti}),
        "token_type": "Bearer",
        "expires_in": int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
    }


def issue_pair(user: User) -> dict:
    """Start a session: its family is committed first, so the pair is never refused for want of it."""
    family = families.start(user.id)
    return _pair(user, family.id, family.refresh_jti)


def revoke_all(user: User) -> None:
    """End every session of `user` when the caller commits; a login racing the commit gets a dead pair too."""
    user.token_version = User.token_version + 1


def rotate(user: User, refresh_claims: dict) -> dict:
    """Exchange a refresh token for a new pair; a second use of the same token kills its family."""
    next_jti = families.rotate(refresh_claims["fam"], str(refresh_claims.get("jti")))
    if next_jti is None:
        raise Unauthorized("Refresh token already used: the session is revoked, sign in again")
    return _pair(user, refresh_claims["fam"], next_jti)


def _user_id(claims: dict) -> int | None:
    """The id `sub` names, written as this app writes ids (int() would also read " 1", "+1" or "١")."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not USER_ID.fullmatch(subject) or int(subject) > MAX_USER_ID:
        return None
    return int(subject)


def _row(user_id: int) -> User | None:
    """The user row, selected at most once per request."""
    loaded = g.get("token_user")
    if loaded is None or loaded[0] != user_id:
        g.token_user = loaded = (user_id, db.session.get(User, user_id, populate_existing=True))
    return loaded[1]


def _principal_state(user_id: int, family: str) -> tuple[bool, dict | None]:
    """(family revoked, {ver, active, admin} or None for no such user): one Redis round trip when both are
    cached, which also makes the read the route asked for ahead (common/snapshots.ahead: a league's access
    snapshot); the database for what is not, and for both during a Redis outage (reads keep being served)."""
    try:
        snapshot, (cached,), _ = snapshots.read(
            snapshots.Read("user", user_id, PRINCIPAL.format(user_id), (families.FAMILY.format(family),)),
            ahead_for=user_id)
        redis_up = True
    except redis.RedisError:
        log.warning("token checked against the database: redis unavailable")
        snapshot, cached, redis_up = None, None, False
    if families.revoked(family, cached, redis_up=redis_up):
        return True, None
    if snapshot is not None and snapshot.data is not None:
        return False, snapshot.data
    user = _row(user_id)
    state = None if user is None else {"ver": user.token_version, "active": user.is_active, "admin": user.is_admin}
    if snapshot is not None and state is not None:
        snapshot.store(state)
    return False, state


def is_revoked(claims: dict) -> bool:
    """A token is revoked with its family, or when its user's token version has moved on."""
    family, user_id = claims.get("fam"), _user_id(claims)
    if not isinstance(family, str) or not FAMILY_ID.fullmatch(family) or user_id is None:
        return True
    revoked, state = _principal_state(user_id, family)
    if revoked:
        return True
    # Tokens from before versions existed carry none: they count as version 0.
    principal = Principal(user_id, state["admin"]) if state is not None and state["active"] else None
    g.principal = (claims.get("jti"), principal)
    return state is not None and claims.get("ver", 0) != state["ver"]


def _principal(claims: dict) -> Principal | None:
    """The principal `is_revoked` found for this very token (None: no such user, or deactivated)."""
    checked = g.get("principal")
    return checked[1] if checked is not None and checked[0] == claims.get("jti") else None


def _account() -> User:
    """The request's user row, loaded on first use and checked against the token once more (once per token)."""
    claims = get_jwt()
    checked = g.get("account")
    if checked is None or checked[0] != claims.get("jti"):
        principal = get_current_user()
        user = _row(principal.id) if principal is not None else None
        if user is None or not user.is_active or claims.get("ver", 0) != user.token_version:
            raise Unauthorized("Token has been revoked")
        g.account = checked = (claims.get("jti"), user)
    return checked[1]


# The signed-in user's row for routes that read or change it; `current_principal` when id and role suffice.
current_user: User = LocalProxy(_account)
current_principal: Principal = LocalProxy(get_current_user)


def init_tokens(jwt) -> None:
    # Writes of a user row move its principal's snapshot generation.
    snapshots.guard(User, "user", "id")
    jwt.token_in_blocklist_loader(lambda header, claims: is_revoked(claims))
    # None (no such user, or deactivated) answers 401 "Account not found or deactivated".
    jwt.user_lookup_loader(lambda header, claims: _principal(claims))
