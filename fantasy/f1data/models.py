"""Real-world F1 data (§4): seasons, circuits, drivers, constructors, races, sessions, results and their lifecycle."""
import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fantasy.common.models import UTCDateTime
from fantasy.extensions import db


def _enum(cls, name: str):
    # CHECK-backed VARCHAR rather than a native enum: same DDL on SQLite and PostgreSQL, cheap to extend.
    return Enum(cls, name=name, native_enum=False, length=12, validate_strings=True, create_constraint=True)


class RaceStatus(str, enum.Enum):
    scheduled = "scheduled"
    completed = "completed"
    cancelled = "cancelled"


class SessionKind(str, enum.Enum):
    """The sessions that carry a classification."""

    qualifying = "qualifying"
    sprint = "sprint"
    race = "race"


class ResultLifecycle(str, enum.Enum):
    pending = "pending"
    provisional = "provisional"
    final = "final"


class ResultSource(str, enum.Enum):
    upstream = "upstream"
    manual = "manual"


class Season(db.Model):
    __tablename__ = "seasons"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    url: Mapped[str | None] = mapped_column(String(255))


class Circuit(db.Model):
    __tablename__ = "circuits"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # upstream circuitId
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    locality: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(120))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    url: Mapped[str | None] = mapped_column(String(255))


class Driver(db.Model):
    __tablename__ = "drivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # upstream driverId
    # Reserves may come without a code or a permanent number.
    code: Mapped[str | None] = mapped_column(String(3))
    permanent_number: Mapped[int | None] = mapped_column(Integer)
    given_name: Mapped[str] = mapped_column(String(80), nullable=False)
    family_name: Mapped[str] = mapped_column(String(80), nullable=False)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    nationality: Mapped[str | None] = mapped_column(String(60))
    url: Mapped[str | None] = mapped_column(String(255))


class Constructor(db.Model):
    """A real F1 team (never a fantasy team)."""

    __tablename__ = "constructors"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # upstream constructorId
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    nationality: Mapped[str | None] = mapped_column(String(60))
    url: Mapped[str | None] = mapped_column(String(255))


class SeasonDriver(db.Model):
    """A driver the upstream lists for a season (reserves included), for filtering by season."""

    __tablename__ = "season_drivers"

    season_year: Mapped[int] = mapped_column(ForeignKey("seasons.year", ondelete="CASCADE"), primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"), primary_key=True)


class SeasonConstructor(db.Model):
    """A constructor the upstream lists for a season."""

    __tablename__ = "season_constructors"

    season_year: Mapped[int] = mapped_column(ForeignKey("seasons.year", ondelete="CASCADE"), primary_key=True)
    constructor_id: Mapped[int] = mapped_column(
        ForeignKey("constructors.id", ondelete="CASCADE"), primary_key=True
    )


class Race(db.Model):
    __tablename__ = "races"
    __table_args__ = (UniqueConstraint("season_year", "round"), CheckConstraint("round > 0", name="round_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    season_year: Mapped[int] = mapped_column(ForeignKey("seasons.year"), nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    circuit_id: Mapped[int] = mapped_column(ForeignKey("circuits.id"), nullable=False)
    # The Grand Prix start; midnight UTC of the race day when the calendar gives no time.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[RaceStatus] = mapped_column(
        _enum(RaceStatus, "race_status"), nullable=False, default=RaceStatus.scheduled
    )
    url: Mapped[str | None] = mapped_column(String(255))

    circuit: Mapped[Circuit] = relationship(lazy="joined")
    sessions: Mapped[list["RaceSession"]] = relationship(
        order_by="RaceSession.starts_at", cascade="all, delete-orphan", lazy="selectin"
    )
    result_states: Mapped[list["ResultState"]] = relationship(
        order_by="ResultState.session", cascade="all, delete-orphan", lazy="selectin"
    )

    @classmethod
    def of_season(cls, year: int):
        return select(cls).where(cls.season_year == year).order_by(cls.round)


class RaceSession(db.Model):
    """One calendar session of a weekend, keyed by the upstream's own key so unknown kinds are kept."""

    __tablename__ = "race_sessions"
    __table_args__ = (UniqueConstraint("race_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    race_id: Mapped[int] = mapped_column(ForeignKey("races.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)  # e.g. FirstPractice, SprintShootout
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class SessionResult(db.Model):
    __tablename__ = "session_results"
    __table_args__ = (
        UniqueConstraint("race_id", "session", "driver_id"),
        CheckConstraint("position IS NULL OR position > 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    race_id: Mapped[int] = mapped_column(ForeignKey("races.id", ondelete="CASCADE"), nullable=False)
    session: Mapped[SessionKind] = mapped_column(_enum(SessionKind, "session_kind"), nullable=False)
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id"), nullable=False, index=True)
    constructor_id: Mapped[int] = mapped_column(ForeignKey("constructors.id"), nullable=False)
    number: Mapped[int | None] = mapped_column(Integer)  # the car number that weekend, not the permanent one
    position: Mapped[int | None] = mapped_column(Integer)
    position_text: Mapped[str | None] = mapped_column(String(4))  # qualifying rows carry none
    classified: Mapped[bool] = mapped_column(Boolean, nullable=False)
    status: Mapped[str | None] = mapped_column(String(60))
    grid: Mapped[int | None] = mapped_column(Integer)
    laps: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))  # official, fastest-lap point included
    fastest_lap_rank: Mapped[int | None] = mapped_column(Integer)
    time_ms: Mapped[int | None] = mapped_column(BigInteger)
    q1_ms: Mapped[int | None] = mapped_column(Integer)
    q2_ms: Mapped[int | None] = mapped_column(Integer)
    q3_ms: Mapped[int | None] = mapped_column(Integer)

    driver: Mapped[Driver] = relationship(lazy="joined")
    constructor: Mapped[Constructor] = relationship(lazy="joined")


class ResultState(db.Model):
    """Where one (race, session) classification is in its lifecycle, and a hash of its content."""

    __tablename__ = "result_states"
    __table_args__ = (UniqueConstraint("race_id", "session"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    race_id: Mapped[int] = mapped_column(ForeignKey("races.id", ondelete="CASCADE"), nullable=False)
    session: Mapped[SessionKind] = mapped_column(_enum(SessionKind, "session_kind"), nullable=False)
    state: Mapped[ResultLifecycle] = mapped_column(
        _enum(ResultLifecycle, "result_lifecycle"), nullable=False, default=ResultLifecycle.pending
    )
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # What the upstream last published, so a manual correction stands until the upstream changes.
    upstream_hash: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when this content was first seen
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[ResultSource] = mapped_column(
        _enum(ResultSource, "result_source"), nullable=False, default=ResultSource.upstream
    )
