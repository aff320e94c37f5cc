"""JWT pairs, refresh rotation with reuse detection, and revocation.

Every login starts a token *family* (`fam` claim, carried by its access and refresh tokens). Revoking a
family in Redis kills every token of that session at once (logout, refresh-token reuse); keys expire with
the refresh lifetime. Ending *every* session (logout everywhere, a password change, a deactivation) bumps
the user's `token_version` in the database, in the same commit as the change that calls for it, and tokens
carry the version they were issued under (`ver`): no Redis failure or concurrent login can leave one alive.

Every request checks its token against the user's *principal* (token version, active, admin): a Redis
snapshot of the user row kept current by generation counters (common/snapshots.py), read in the same
round trip as the family check, so authenticating a request needs no PostgreSQL. Routes that need the
row itself use `current_user` from this module: it loads the row on first use and checks it once more
against the committed version and active flag. The hot routes (standings, picks) use `current_principal`.
"""
import logging
import uuid
from dataclasses import dataclass

import redis
from flask import current_app, g
from flask_jwt_extended import create_access_token, create_refresh_token, get_current_user, get_jwt
from werkzeug.local import LocalProxy

from fantasy.auth.models import User
from fantasy.common import snapshots
from fantasy.common.clock import utcnow
from fantasy.common.redis import get_redis
from fantasy.errors import Unauthorized
from fantasy.extensions import db

log = logging.getLogger(__name__)

REVOKED_FAMILY = "auth:revoked:family:{}"
USED_REFRESH = "auth:used-refresh:{}"
# The suffix names the form of the data: a new field means a new suffix, so old snapshots are never read.
PRINCIPAL = "snap:user:{}:v1"
# Writes of a user row move its principal's snapshot generation.
snapshots.guard(User, "user", "id")


def _refresh_seconds() -> int:
    return int(current_app.config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds())


def issue_pair(user: User, family: str | None = None) -> dict:
    claims = {"fam": family or uuid.uuid4().hex, "ver": user.token_version}
    identity = str(user.id)
    return {
        "access_token": create_access_token(identity=identity, additional_claims=claims),
        "refresh_token": create_refresh_token(identity=identity, additional_claims=claims),
        "token_type": "Bearer",
        "expires_in": int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
    }


def revoke_family(family: str) -> None:
    get_redis().set(REVOKED_FAMILY.format(family), 1, ex=_refresh_seconds())


def revoke_all(user: User) -> None:
    """End every session of `user` when the caller commits; a login racing the commit gets a dead pair too."""
    user.token_version = User.token_version + 1


def rotate(user: User, refresh_claims: dict) -> dict:
    """Exchange a refresh token for a new pair; a second use of the same token kills its family."""
    remaining = max(1, int(refresh_claims["exp"] - utcnow().timestamp()))
    first_use = get_redis().set(USED_REFRESH.format(refresh_claims["jti"]), 1, nx=True, ex=remaining)
    if not first_use:
        revoke_family(refresh_claims["fam"])
        raise Unauthorized("Refresh token already used: the session is revoked, sign in again")
    return issue_pair(user, refresh_claims["fam"])


@dataclass(frozen=True)
class Principal:
    """Who a valid token speaks for, without the row (see `current_user` for the row)."""

    id: int
    is_admin: bool


def _user_id(claims: dict) -> int | None:
    try:
        return int(claims["sub"])
    except (KeyError, TypeError, ValueError):
        return None


def _row(user_id: int) -> User | None:
    """The user row, selected at most once per request."""
    loaded = g.get("token_user")
    if loaded is None or loaded[0] != user_id:
        g.token_user = loaded = (user_id, db.session.get(User, user_id, populate_existing=True))
    return loaded[1]


def _principal_state(user_id: int, family: str) -> tuple[bool, dict | None]:
    """(family revoked, {ver, active, admin} or None for no such user), from Redis when it can."""
    try:
        snapshot, (revoked,), _ = snapshots.read("user", user_id, PRINCIPAL.format(user_id), REVOKED_FAMILY.format(family))
    except redis.RedisError:
        # Fail open for the family check during a Redis outage, so reads keep being served: the principal
        # then comes from the row, so logout-all, password changes and deactivations still end every
        # session; only a single-session logout waits for the access token's 15 minutes.
        log.warning("token family check skipped: redis unavailable")
        snapshot, revoked = None, False
    if revoked or (snapshot is not None and snapshot.data is not None):
        return bool(revoked), snapshot.data if snapshot else None
    user = _row(user_id)
    state = None if user is None else {"ver": user.token_version, "active": user.is_active, "admin": user.is_admin}
    if snapshot is not None and state is not None:
        snapshot.store(state)
    return False, state


def is_revoked(claims: dict) -> bool:
    """A token is revoked with its family, or when its user's token version has moved on."""
    family, user_id = claims.get("fam"), _user_id(claims)
    if family is None or user_id is None:
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
    jwt.token_in_blocklist_loader(lambda header, claims: is_revoked(claims))
    # None (no such user, or deactivated) answers 401 "Account not found or deactivated".
    jwt.user_lookup_loader(lambda header, claims: _principal(claims))
