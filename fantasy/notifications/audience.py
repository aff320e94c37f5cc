"""What an open event stream's user may see now: re-checked while the stream runs (§9).

A stream is opened under one token version of an active user, with the leagues the user is a member
of. Every write of a user, league or membership row moves that object's snapshot generation
(common/snapshots.py), so a stream re-reads the rows only when one of its generations moved: the
regular check is part of one MGET per process (hub.py). A generation is moved once before the writer's
commit and once after it, so a load that missed a commit always finds a generation that moved since (the
next check loads again).
"""
from sqlalchemy import select

from fantasy.auth.models import User
from fantasy.common.redis import get_redis
from fantasy.common.snapshots import GEN
from fantasy.errors import Unauthorized
from fantasy.extensions import db
from fantasy.leagues.models import Membership
from fantasy.notifications.service import LEAGUE_CHANNEL, USER_CHANNEL

UNREAD = b"unread"  # never a generation's value


class Audience:
    """One stream's user, the token version it was opened under and the leagues it still hears."""

    def __init__(self, user_id: int, version: int):
        self.user_id, self.version = user_id, version
        self.allowed = True
        self.leagues: set[int] = set()
        self._watch: tuple[list[str], list[bytes | None]] | None = None
        self._load()
        if not self.allowed:
            raise Unauthorized("Token has been revoked")

    def channels(self) -> list[str]:
        return [USER_CHANNEL.format(self.user_id), *(LEAGUE_CHANNEL.format(league) for league in sorted(self.leagues))]

    def hears(self, channel: str) -> bool:
        """False for a league channel the stream dropped (its messages may still be in flight)."""
        return channel in self.channels()

    def watched(self) -> tuple[list[str], list[bytes | None]]:
        """The generation keys the stream depends on and their values at its last load (one tuple, so a
        reader on another thread never pairs the keys of one load with the values of another)."""
        return self._watch

    def reload(self) -> set[int]:
        """Re-read the rows (a generation moved, see hub.py); the leagues dropped since the last load
        (`allowed` turns False when the user may no longer stream at all). Raises redis.RedisError."""
        before = self.leagues
        self._load()
        return before - self.leagues

    def _keys(self) -> list[str]:
        return [GEN.format("user", self.user_id), *(GEN.format("league", league) for league in sorted(self.leagues))]

    def _load(self) -> None:
        # Generations first, rows after: a write between the two moves a generation again after its commit.
        keys = self._keys()
        seen = dict(zip(keys, get_redis().mget(keys)))
        try:
            user = db.session.execute(select(User.token_version, User.is_active).where(User.id == self.user_id)).first()
            current = set(db.session.scalars(
                Membership.active_of(self.user_id).with_only_columns(Membership.league_id)
            ))
        finally:
            db.session.close()  # a stream must not hold a connection (nor a transaction) between checks
        self.allowed = user is not None and user.is_active and user.token_version == self.version
        # Only leagues the stream had: one joined meanwhile is heard from the next stream (its generation
        # was not read before these rows, so a removal could be missed).
        self.leagues = current if self._watch is None else self.leagues & current
        # The leagues found at the opening had no generation read before the rows: the first check loads again.
        keys = self._keys()
        self._watch = (keys, [seen.get(key, UNREAD) for key in keys])
