"""Drafts, picks and each team's private pick queue."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import Select

from fantasy.common.clock import utcnow
from fantasy.common.models import TimestampMixin, UTCDateTime, db_enum
from fantasy.drafts.enums import DraftState
from fantasy.extensions import db
from fantasy.leagues.enums import DraftMethod

# Opened and not locked: what a lock, an undo or a reset applies to, and what freezes a league's draft settings.
RUNNING = (DraftState.open, DraftState.complete)
# A manual order and the pick queues can still change.
BEFORE_FIRST_PICK = (DraftState.scheduled, DraftState.open)


class Draft(TimestampMixin, db.Model):
    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("league_id", "race_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    league_id: Mapped[int] = mapped_column(ForeignKey("leagues.id", ondelete="CASCADE"), nullable=False)
    race_id: Mapped[int] = mapped_column(ForeignKey("races.id"), nullable=False, index=True)
    state: Mapped[DraftState] = mapped_column(db_enum(DraftState, "draft_state"), nullable=False, index=True)
    # Team ids in first-round order; set when the draft opens.
    order: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    # Teams of `order` that stopped drafting while it ran (left, removed, deactivated): their turns pass.
    skipped_team_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list, server_default="[]")
    method: Mapped[DraftMethod] = mapped_column(db_enum(DraftMethod, "draft_method"), nullable=False)
    picks_per_team: Mapped[int] = mapped_column(Integer, nullable=False)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    locks_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The pick number (1-based) on the clock; total + 1 once every pick is made.
    current_pick: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    pick_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Set while a manager has paused a running draft (§14): picks wait and the pick clock stands still.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paused_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    @property
    def total_picks(self) -> int:
        return len(self.order or ()) * self.picks_per_team

    @classmethod
    def running(cls) -> Select:
        """Drafts opened and not locked (`RUNNING`); narrow with `.where(...)` and `.with_only_columns(...)`."""
        return select(cls).where(cls.state.in_(RUNNING))


class Pick(db.Model):
    __tablename__ = "picks"
    __table_args__ = (
        # A driver once per league and race; a slot once per draft; a team's drivers distinct.
        UniqueConstraint("league_id", "race_id", "driver_id"),
        UniqueConstraint("draft_id", "pick_number"),
        UniqueConstraint("draft_id", "team_id", "driver_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), nullable=False)
    league_id: Mapped[int] = mapped_column(ForeignKey("leagues.id", ondelete="CASCADE"), nullable=False)
    race_id: Mapped[int] = mapped_column(ForeignKey("races.id"), nullable=False)
    pick_number: Mapped[int] = mapped_column(Integer, nullable=False)
    team_id: Mapped[int] = mapped_column(ForeignKey("fantasy_teams.id", ondelete="CASCADE"), nullable=False, index=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id"), nullable=False)
    autopicked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    picked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class PickQueue(db.Model):
    """A team's ranked wish list for one draft; only that team sees it, the autopicker uses it."""

    __tablename__ = "pick_queues"
    __table_args__ = (UniqueConstraint("draft_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), nullable=False)
    team_id: Mapped[int] = mapped_column(ForeignKey("fantasy_teams.id", ondelete="CASCADE"), nullable=False)
    driver_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)

    @classmethod
    def of_team(cls, draft_id, team_id) -> Select:
        """The team's queue for the draft (`draft_id` a value or an SQL expression)."""
        return select(cls).where(cls.draft_id == draft_id, cls.team_id == team_id)


