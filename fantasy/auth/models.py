"""User accounts and their token families."""
import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from fantasy.common.models import TimestampMixin, UTCDateTime
from fantasy.common.schemas import case_key
from fantasy.extensions import db


class Role(str, enum.Enum):
    user = "user"
    admin = "admin"


class User(TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30), nullable=False)
    # Lower-cased copies carry the case-insensitive unique keys on every engine.
    username_key: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    email_key: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", native_enum=False, length=10), nullable=False, default=Role.user
    )
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Tokens carry the version they were issued under; bumping it ends every session (see auth/tokens.py).
    token_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @staticmethod
    def login_key(login: str) -> str:
        """A login as the key columns store it: surrounding spaces and letter case don't count."""
        return case_key(login.strip())

    @classmethod
    def by_login(cls, login: str):
        """Select the user whose username or email matches, ignoring letter case."""
        key = cls.login_key(login)
        return select(cls).where((cls.username_key == key) | (cls.email_key == key))


class TokenFamily(TimestampMixin, db.Model):
    """One signed-in session (a login and its refresh rotations): the source of truth that Redis caches
    (auth/families.py)."""

    __tablename__ = "token_families"

    # The `fam` claim of every token of the session.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    # The `jti` of the one refresh token that may rotate the family next: any other is a reuse.
    refresh_jti: Mapped[str] = mapped_column(String(36), nullable=False)
    # When the latest refresh token expires: past it, every token of the family has, and the row can go.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
