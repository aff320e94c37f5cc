"""Asset prices: one row per (season, round, asset), the same for every league (§13)."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from fantasy.common.clock import utcnow
from fantasy.common.models import UTCDateTime
from fantasy.extensions import db
from fantasy.scoring.models import asset_key

# The version of a season's stored prices (fantasy/common/cache.py), bumped with every commit that stores some.
PRICES_VERSION = "market:v:prices:{}"


class AssetPrice(db.Model):
    """A round's price of a driver or a constructor (exactly one of the two ids), in millions.

    Provisional until a lineup locks at the round's prices (a PriceLock), then never changed: a correction to
    a scored round re-prices the provisional rounds after it, not the locked ones (service.py says when)."""

    __tablename__ = "asset_prices"
    __table_args__ = (
        UniqueConstraint("season_year", "round", "driver_id"),
        UniqueConstraint("season_year", "round", "constructor_id"),
        CheckConstraint("(driver_id IS NULL) <> (constructor_id IS NULL)", name="one_asset"),
        CheckConstraint("price >= 4.5", name="price_floor"),
        CheckConstraint("round > 0", name="round_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    season_year: Mapped[int] = mapped_column(ForeignKey("seasons.year", ondelete="CASCADE"), nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id"))
    constructor_id: Mapped[int | None] = mapped_column(ForeignKey("constructors.id"))
    price: Mapped[Decimal] = mapped_column(Numeric(4, 1), nullable=False)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    @property
    def asset(self) -> tuple[str, int]:
        return asset_key(self.driver_id, self.constructor_id)

    @classmethod
    def of_round(cls, year: int, round_: int):
        return select(cls).where(cls.season_year == year, cls.round == round_)


class PriceLock(db.Model):
    """A (season, round) whose stored prices a salary-cap lineup has locked at: they never change again."""

    __tablename__ = "price_locks"

    season_year: Mapped[int] = mapped_column(ForeignKey("seasons.year", ondelete="CASCADE"), primary_key=True)
    round: Mapped[int] = mapped_column(Integer, primary_key=True)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
