"""Which drivers a race's draft offers, and how the autopicker ranks them (§7)."""
from sqlalchemy import func, select

from fantasy.extensions import db
from fantasy.f1data.models import Race, SeasonDriver, SessionKind, SessionResult

# Official points that rank drivers for the autopicker: the championship's own sessions.
CHAMPIONSHIP = (SessionKind.race, SessionKind.sprint)


def eligible_driver_ids(race: Race) -> list[int]:
    """The race's entry list when known (any classification of the weekend), otherwise the drivers of
    the season's latest completed round, otherwise (first round, nothing published) the season's drivers."""
    entry = db.session.scalars(
        select(SessionResult.driver_id).where(SessionResult.race_id == race.id).distinct()
    ).all()
    if entry:
        return sorted(entry)
    has_race_results = (
        select(SessionResult.id)
        .where(SessionResult.race_id == Race.id, SessionResult.session == SessionKind.race)
        .exists()
    )
    latest_round = db.session.scalar(
        select(Race.id)
        .where(Race.season_year == race.season_year, Race.round < race.round, has_race_results)
        .order_by(Race.round.desc())
        .limit(1)
    )
    if latest_round is not None:
        return sorted(
            db.session.scalars(
                select(SessionResult.driver_id).where(
                    SessionResult.race_id == latest_round, SessionResult.session == SessionKind.race
                )
            ).all()
        )
    return sorted(
        db.session.scalars(select(SeasonDriver.driver_id).where(SeasonDriver.season_year == race.season_year)).all()
    )


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
