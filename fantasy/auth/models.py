"""User accounts."""
import enum

from sqlalchemy import Boolean, Enum, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from fantasy.common.models import TimestampMixin
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
