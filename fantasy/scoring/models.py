"""Asset scores: one row per (ruleset, race, asset), an asset being a driver or a constructor, shared by every
league that scores under that ruleset (§8, §13)."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fantasy.common.clock import utcnow
from fantasy.common.models import UTCDateTime
from fantasy.extensions import db

DRIVER, CONSTRUCTOR = "driver", "constructor"


def asset_key(driver_id: int | None, constructor_id: int | None) -> tuple[str, int]:
    """(kind, id) of a row that holds exactly one of a driver id and a constructor id."""
    return (DRIVER, driver_id) if driver_id is not None else (CONSTRUCTOR, constructor_id)


class AssetScore(db.Model):
    """Exactly one of driver_id and constructor_id is set. The table keeps the name it had when drivers were
    the only assets: every reader of driver scores joins on driver_id, which constructor rows never match."""

    __tablename__ = "driver_scores"
    __table_args__ = (
        UniqueConstraint("ruleset", "race_id", "driver_id"),
        UniqueConstraint("ruleset", "race_id", "constructor_id"),
        CheckConstraint("(driver_id IS NULL) <> (constructor_id IS NULL)", name="one_asset"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset: Mapped[str] = mapped_column(String(64), nullable=False)  # a preset name or a custom ruleset's key
    race_id: Mapped[int] = mapped_column(ForeignKey("races.id", ondelete="CASCADE"), nullable=False, index=True)
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id"))
    constructor_id: Mapped[int | None] = mapped_column(ForeignKey("constructors.id"))
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2), nullable=False)
    breakdown: Mapped[dict] = mapped_column(JSON, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    @property
    def asset(self) -> tuple[str, int]:
        return asset_key(self.driver_id, self.constructor_id)


# The drivers-only name, still used by the standings and the draft tests: a driver's row is an asset score.
DriverScore = AssetScore
