"""Token families: each signed-in session is a row in the database (the current refresh token, the
expiry, the revocation), and Redis caches whether it is revoked, so that losing Redis's data costs speed,
never a revocation.

The cache holds LIVE or REVOKED under FAMILY. A family is only ever revoked, never brought back, which
makes the cache simple to keep right: a revocation writes REVOKED after its commit, over anything; a
reader that missed loads the row and stores what it found, a live state only with SET NX, so it cannot
overwrite a revocation written meanwhile (whatever its transaction saw). REVOKED is kept for the refresh
lifetime (every token of the family expires within it); LIVE for SNAPSHOT_SECONDS, which bounds the one
case Redis cannot see: a revocation committed while Redis failed, over a LIVE cached before (the bound of
the user snapshots, common/snapshots.py). A missing entry (Redis emptied, or LIVE expired) costs one
SELECT; with Redis down every check reads the database.
"""
import logging
import uuid

import redis
from flask import current_app
from sqlalchemy import select, update

from fantasy.auth.models import TokenFamily
from fantasy.common.clock import utcnow
from fantasy.common.redis import get_redis
from fantasy.common.snapshots import SNAPSHOT_SECONDS
from fantasy.extensions import db

log = logging.getLogger(__name__)

FAMILY = "auth:family:{}"
LIVE, REVOKED = b"0", b"1"


def _lifetime():
    return current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]


def start(user_id: int) -> TokenFamily:
    """A new, committed family with its first refresh jti: a token whose family is not stored is refused."""
    family = TokenFamily(id=uuid.uuid4().hex, user_id=user_id, refresh_jti=str(uuid.uuid4()),
                         expires_at=utcnow() + _lifetime())
    db.session.add(family)
    db.session.commit()
    return family


def rotate(family_id: str, used_jti: str) -> str | None:
    """The next refresh jti if `used_jti` is the family's current one; else None, and the family is revoked.

    One conditional UPDATE swaps the jti: of two refreshes with the same token, the second waits on the
    first's row lock and then matches nothing, so exactly one rotates and the other counts as a reuse.
    """
    next_jti = str(uuid.uuid4())
    rotated = db.session.execute(
        update(TokenFamily)
        .where(TokenFamily.id == family_id, TokenFamily.refresh_jti == used_jti, TokenFamily.revoked_at.is_(None))
        .values(refresh_jti=next_jti, expires_at=utcnow() + _lifetime())
        .execution_options(synchronize_session=False)
    ).rowcount
    if rotated != 1:
        revoke(family_id)
        return None
    db.session.commit()
    return next_jti


def revoke(family_id: str) -> None:
    """End the family in the database, then in the cache (which a failing Redis leaves for the LIVE bound)."""
    db.session.execute(
        update(TokenFamily)
        .where(TokenFamily.id == family_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    _cache(family_id, True)


def revoked(family_id: str, cached: bytes | None, *, redis_up: bool) -> bool:
    """Whether the family is revoked, given its cache entry as read (None: a miss); a miss reads the row
    (no row: a family this database never started, or one the daily cleanup removed, counts as revoked)."""
    if cached is not None:
        return cached != LIVE
    revoked_at = db.session.execute(select(TokenFamily.revoked_at).where(TokenFamily.id == family_id)).first()
    ended = revoked_at is None or revoked_at[0] is not None
    if redis_up:
        _cache(family_id, ended)
    return ended


def family_revoked(family_id: str) -> bool:
    """Whether the session `family_id` (a token's `fam` claim) was logged out or revoked by a reuse: one
    Redis GET when cached, the database otherwise. (Logout-all, password changes and deactivations end
    sessions through the user's token version instead: see tokens.is_revoked.)"""
    try:
        cached, redis_up = get_redis().get(FAMILY.format(family_id)), True
    except redis.RedisError:
        log.warning("token family read from the database: redis unavailable")
        cached, redis_up = None, False
    return revoked(family_id, cached, redis_up=redis_up)


def _cache(family_id: str, ended: bool) -> None:
    key = FAMILY.format(family_id)
    try:
        if ended:
            get_redis().set(key, REVOKED, ex=_lifetime())
        else:
            get_redis().set(key, LIVE, ex=SNAPSHOT_SECONDS, nx=True)
    except redis.RedisError:
        log.warning("token family not cached: redis unavailable", extra={"revoked": ended})
