"""JWT pairs, refresh rotation with reuse detection, and revocation.

Every login starts a token *family* (`fam` claim, carried by its access and refresh tokens). Revoking a
family in Redis kills every token of that session at once (logout, refresh-token reuse); keys expire with
the refresh lifetime. Ending *every* session (logout everywhere, a password change, a deactivation) bumps
the user's `token_version` in the database, in the same commit as the change that calls for it, and tokens
carry the version they were issued under (`ver`): no Redis failure or concurrent login can leave one alive.
"""
import logging
import uuid

import redis
from flask import current_app, g
from flask_jwt_extended import create_access_token, create_refresh_token

from fantasy.auth.models import User
from fantasy.common.clock import utcnow
from fantasy.common.redis import get_redis
from fantasy.errors import Unauthorized
from fantasy.extensions import db

log = logging.getLogger(__name__)

REVOKED_FAMILY = "auth:revoked:family:{}"
USED_REFRESH = "auth:used-refresh:{}"


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


def is_revoked(claims: dict) -> bool:
    family = claims.get("fam")
    if family is None:
        return True
    try:
        if get_redis().exists(REVOKED_FAMILY.format(family)):
            return True
    except redis.RedisError:
        # Fail open for this one check during a Redis outage, so reads keep being served: the token's
        # version (checked below, in the database) still ends every session on logout-all, password change
        # and deactivation; only a single-session logout waits for the access token's 15 minutes.
        log.warning("token family check skipped: redis unavailable")
    # Tokens from before versions existed carry none: they count as version 0.
    user = load_user(claims)
    return user is not None and claims.get("ver", 0) != user.token_version


def load_user(claims: dict) -> User | None:
    """The token's user if it still exists and is active (checked on every request).

    Loaded once per request: the revocation check and flask-jwt-extended's user lookup both ask, and the
    session's identity map holds rows only weakly, so without `g` the row would be selected twice.
    """
    try:
        user_id = int(claims["sub"])
    except (KeyError, TypeError, ValueError):
        return None
    loaded = g.get("token_user")
    if loaded is None or loaded[0] != user_id:
        user = db.session.get(User, user_id)
        g.token_user = loaded = (user_id, user if user is not None and user.is_active else None)
    return loaded[1]


def init_tokens(jwt) -> None:
    jwt.token_in_blocklist_loader(lambda header, claims: is_revoked(claims))
    jwt.user_lookup_loader(lambda header, claims: load_user(claims))
