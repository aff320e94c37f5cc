"""Column types and mixins shared by every domain's models."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum, TypeDecorator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from fantasy.common.clock import utcnow
from fantasy.errors import Conflict
from fantasy.extensions import db


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every engine (SQLite keeps no offset, so store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use fantasy.common.clock")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def db_enum(kind, name: str) -> Enum:
    """An enum column stored as VARCHAR, so adding a value never needs an ALTER TYPE on PostgreSQL."""
    return Enum(kind, name=name, native_enum=False, length=20, validate_strings=True)


def commit_or_conflict(message: str) -> None:
    """Commit; a unique key or row lost to a concurrent request becomes the same 409 a pre-check gives."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message) from None
