"""Salary-cap rounds, lineups and their assets (§13).

A lineup row with `locked_at` NULL is the team's editable lineup for a round; the round's lock materialises
one locked row per team that has ever set a lineup (carry-over included), and only locked rows score.
"""
import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from fantasy.common.clock import utcnow
from fantasy.common.models import UTCDateTime
from fantasy.extensions import db
from fantasy.f1data.models import Race


class Chip(str, enum.Enum):
    extra_boost = "extra_boost"
    wildcard = "wildcard"
    limitless = "limitless"
    no_negative = "no_negative"
    autopilot = "autopilot"


CHIP_VALUES = ", ".join(f"'{chip.value}'" for chip in Chip)


class LineupRound(db.Model):
    """A salary-cap league's locked round: written once at the lock (live: the calendar; replay: a manager)."""

    __tablename__ = "lineup_rounds"
    __table_args__ = (UniqueConstraint("league_id", "race_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    league_id: Mapped[int] = mapped_column(ForeignKey("leagues.id", ondelete="CASCADE"), nullable=False)
    race_id: Mapped[int] = mapped_column(ForeignKey("races.id"), nullable=False, index=True)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # Set by scoring when the race's scores count for the league (scoring/salary_cap.py): NULL = locked, waiting.
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @classmethod
    def of_league(cls, league_id: int):
        """The league's locked rounds with their race, in calendar order."""
        return (select(cls, Race).join(Race, Race.id == cls.race_id).where(cls.league_id == league_id)
                .order_by(Race.round))


class Lineup(db.Model):
    __tablename__ = "lineups"
    __table_args__ = (
        UniqueConstraint("team_id", "race_id"),
        CheckConstraint(f"chip IS NULL OR chip IN ({CHIP_VALUES})", name="chip_known"),
        CheckConstraint("(extra_boost_driver_id IS NULL) OR (chip = 'extra_boost')", name="extra_boost_chip"),
        CheckConstraint("transfers >= 0 AND free_transfers >= 0 AND penalty >= 0", name="counts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("fantasy_teams.id", ondelete="CASCADE"), nullable=False)
    race_id: Mapped[int] = mapped_column(ForeignKey("races.id"), nullable=False, index=True)
    chip: Mapped[str | None] = mapped_column(String(16), nullable=True)
    boost_driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id"), nullable=True)
    extra_boost_driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id"), nullable=True)
    # NULL: the team's editable lineup for the round; set when the round locks (only locked rows score).
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The bank after this lineup's purchases at this round's prices (a limitless round keeps the bank before it).
    bank: Mapped[Decimal] = mapped_column(Numeric(5, 1), nullable=False)
    transfers: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    free_transfers: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    penalty: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    @classmethod
    def of_team(cls, team_id: int, race_id: int):
        return select(cls).where(cls.team_id == team_id, cls.race_id == race_id)


class LineupAsset(db.Model):
    __tablename__ = "lineup_assets"
    __table_args__ = (
        UniqueConstraint("lineup_id", "driver_id"),
        UniqueConstraint("lineup_id", "constructor_id"),
        CheckConstraint("(driver_id IS NULL) <> (constructor_id IS NULL)", name="one_asset"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lineup_id: Mapped[int] = mapped_column(ForeignKey("lineups.id", ondelete="CASCADE"), nullable=False, index=True)
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id"), nullable=True)
    constructor_id: Mapped[int | None] = mapped_column(ForeignKey("constructors.id"), nullable=True)
    price: Mapped[Decimal] = mapped_column(Numeric(4, 1), nullable=False)  # the round's price

    @classmethod
    def of_lineup(cls, lineup_id: int):
        return select(cls).where(cls.lineup_id == lineup_id).order_by(cls.id)
