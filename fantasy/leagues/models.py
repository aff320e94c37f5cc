"""Leagues, memberships, fantasy teams and the league audit log."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import Select

from fantasy.common.clock import utcnow
from fantasy.common.models import TimestampMixin, UTCDateTime, db_enum
from fantasy.extensions import db
from fantasy.leagues.enums import DraftMethod, LeagueFormat, LeagueMode, LeagueRole, OrderStrategy, Visibility


class LeagueTenure:
    """A user's time in a league (a membership, a team): active until `left_at` is set. The look-ups are
    `select(cls)` statements; narrow their columns with `.with_only_columns(...)`."""

    @property
    def active(self) -> bool:
        return self.left_at is None

    @classmethod
    def active_in(cls, league_id) -> Select:
        """The league's rows whose user has not left (`league_id` a value or an SQL expression)."""
        return select(cls).where(cls.league_id == league_id, cls.left_at.is_(None))

    @classmethod
    def active_for(cls, league_id, user_id) -> Select:
        """The user's row in the league, unless they left."""
        return cls.active_in(league_id).where(cls.user_id == user_id)


class League(TimestampMixin, db.Model):
    __tablename__ = "leagues"
    __table_args__ = (
        CheckConstraint("max_teams BETWEEN 2 AND 22", name="max_teams_range"),
        CheckConstraint("picks_per_team BETWEEN 1 AND 4", name="picks_per_team_range"),
        CheckConstraint("pick_seconds >= 0", name="pick_seconds_positive"),
        CheckConstraint("draft_opens_hours >= 1", name="draft_opens_hours_positive"),
        CheckConstraint("format IN ('draft', 'salary_cap')", name="format_known"),
        CheckConstraint("(format = 'salary_cap' AND budget BETWEEN 50 AND 200) "
                        "OR (format = 'draft' AND budget IS NULL)", name="budget_for_salary_cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    season: Mapped[int] = mapped_column(Integer, nullable=False)
    mode: Mapped[LeagueMode] = mapped_column(db_enum(LeagueMode, "league_mode"), nullable=False)
    visibility: Mapped[Visibility] = mapped_column(db_enum(Visibility, "league_visibility"), nullable=False, index=True)
    max_teams: Mapped[int] = mapped_column(Integer, nullable=False)
    picks_per_team: Mapped[int] = mapped_column(Integer, nullable=False)
    draft_method: Mapped[DraftMethod] = mapped_column(db_enum(DraftMethod, "draft_method"), nullable=False)
    order_strategy: Mapped[OrderStrategy] = mapped_column(db_enum(OrderStrategy, "order_strategy"), nullable=False)
    pick_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    draft_opens_hours: Mapped[int] = mapped_column(Integer, nullable=False)
    autopick_on_lock: Mapped[bool] = mapped_column(Boolean, nullable=False)
    ruleset: Mapped[dict | str] = mapped_column(JSON, nullable=False)
    # draft (§7) or salary_cap (§13); a salary-cap league has a budget (millions) and scores f1_fantasy_2025.
    format: Mapped[str] = mapped_column(String(16), nullable=False, default=LeagueFormat.draft.value,
                                        server_default=LeagueFormat.draft.value)
    budget: Mapped[Decimal | None] = mapped_column(Numeric(4, 1), nullable=True)
    invite_code: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    # Bumped in the transaction of every change to the league's teams (join, leave, removal, rename), under
    # the league row lock those changes take: cached standings carry the version they were computed at.
    roster_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")


class Membership(LeagueTenure, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("league_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    league_id: Mapped[int] = mapped_column(ForeignKey("leagues.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[LeagueRole] = mapped_column(db_enum(LeagueRole, "league_role"), nullable=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @classmethod
    def active_of(cls, user_id) -> Select:
        """The user's current memberships, in every league."""
        return select(cls).where(cls.user_id == user_id, cls.left_at.is_(None))


class FantasyTeam(LeagueTenure, db.Model):
    __tablename__ = "fantasy_teams"
    __table_args__ = (UniqueConstraint("league_id", "user_id"), UniqueConstraint("league_id", "name_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    league_id: Mapped[int] = mapped_column(ForeignKey("leagues.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    # Lower-cased copy: team names are unique per league whatever the letter case.
    name_key: Mapped[str] = mapped_column(String(60), nullable=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LeagueEvent(db.Model):
    """Audit log of what happened in a league and who did it."""

    __tablename__ = "league_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    league_id: Mapped[int] = mapped_column(ForeignKey("leagues.id", ondelete="CASCADE"), nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
