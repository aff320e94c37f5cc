"""Which drivers a race's draft offers, and how the autopicker ranks them (§7)."""
from sqlalchemy import bindparam, func, select, union
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from fantasy.extensions import db
from fantasy.f1data.models import Race, SeasonDriver, SessionKind, SessionResult

# Official points that rank drivers for the autopicker: the championship's own sessions.
CHAMPIONSHIP = (SessionKind.race, SessionKind.sprint)


def eligible_drivers(race_id, season, round_, driver_id: int | None = None) -> Select:
    """The race's entry list when known (any classification of the weekend), otherwise the drivers of
    the season's latest completed round, otherwise (first round, nothing published) the season's drivers.

    One statement (three branches of which only one can match), so a pick checks its driver inside the
    query that locks the draft. `season` and `round_` are values or SQL expressions; `driver_id` narrows
    the answer to that driver. The entry list is read live, not stored at the draft's opening: a sprint
    weekend's results can arrive while a race-only league is still drafting.
    """
    entered, raced, latest = aliased(SessionResult), aliased(SessionResult), aliased(SessionResult)
    earlier = aliased(Race)
    entry = select(entered.driver_id).where(entered.race_id == race_id)
    has_entry = entry.exists()
    latest_round = (
        select(earlier.id)
        .where(
            earlier.season_year == season,
            earlier.round < round_,
            select(raced.id).where(raced.race_id == earlier.id, raced.session == SessionKind.race).exists(),
        )
        .order_by(earlier.round.desc())
        .limit(1)
        .scalar_subquery()
    )
    of_latest = select(latest.driver_id).where(
        ~has_entry, latest.race_id == latest_round, latest.session == SessionKind.race
    )
    of_season = select(SeasonDriver.driver_id).where(
        ~has_entry, latest_round.is_(None), SeasonDriver.season_year == season
    )
    if driver_id is not None:
        entry = entry.where(entered.driver_id == driver_id)
        of_latest = of_latest.where(latest.driver_id == driver_id)
        of_season = of_season.where(SeasonDriver.driver_id == driver_id)
    return union(entry, of_latest, of_season)


# Built once: making the aliases costs more than running the query.
_ELIGIBLE = eligible_drivers(bindparam("race_id"), bindparam("season"), bindparam("round"))


def eligible_driver_ids(race: Race) -> list[int]:
    """The eligible drivers of `race`, ascending (see `eligible_drivers`)."""
    params = {"race_id": race.id, "season": race.season_year, "round": race.round}
    return sorted(db.session.scalars(_ELIGIBLE, params).all())


def best_available(race: Race, available: set[int]) -> int | None:
    """The available driver with the most official season points before this race; ties by lower id."""
    if not available:
        return None
    points = dict(
        db.session.execute(
            select(SessionResult.driver_id, func.sum(SessionResult.points))
            .join(Race, Race.id == SessionResult.race_id)
            .where(
                Race.season_year == race.season_year,
                Race.round < race.round,
                SessionResult.session.in_(CHAMPIONSHIP),
                SessionResult.driver_id.in_(available),
            )
            .group_by(SessionResult.driver_id)
        ).all()
    )
    return min(available, key=lambda driver: (-(points.get(driver) or 0), driver))
