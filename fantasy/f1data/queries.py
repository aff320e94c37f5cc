"""Read side of the F1 data: select statements for the API and the season driver standings aggregate."""
from sqlalchemy import func, select

from fantasy.errors import NotFound, Unprocessable
from fantasy.extensions import db
from fantasy.f1data import standings
from fantasy.f1data.models import (
    Constructor,
    Driver,
    Race,
    Season,
    SeasonConstructor,
    SeasonDriver,
    SessionKind,
    SessionResult,
)

# Sessions whose official points count towards the drivers' championship.
CHAMPIONSHIP_SESSIONS = (SessionKind.race, SessionKind.sprint)


def seasons():
    return select(Season).order_by(Season.year.desc())


def _season(year: int) -> Season:
    season = db.session.get(Season, year)
    if season is None:
        raise NotFound(f"No season {year}")
    return season


def races_of_season(year: int):
    _season(year)
    return Race.of_season(year)


def get_race(race_id: int) -> Race:
    race = db.session.get(Race, race_id)
    if race is None:
        raise NotFound(f"No race {race_id}")
    return race


def results(race_id: int, session: SessionKind):
    get_race(race_id)
    return (select(SessionResult)
            .where(SessionResult.race_id == race_id, SessionResult.session == session)
            .order_by(SessionResult.position.asc().nulls_last(), SessionResult.driver_id))


def _of_season(model, link, link_column, season: int | None, *order):
    statement = select(model).order_by(*order, model.id)
    if season is not None:
        statement = statement.join(link, link_column == model.id).where(link.season_year == season)
    return statement


def drivers(season: int | None = None):
    return _of_season(Driver, SeasonDriver, SeasonDriver.driver_id, season, Driver.family_name)


def constructors(season: int | None = None):
    return _of_season(Constructor, SeasonConstructor, SeasonConstructor.constructor_id, season, Constructor.name)


def driver_standings(year: int) -> list[dict]:
    """The drivers' championship over the stored rounds: official points (race + sprint), ties by countback.

    One grouped query (a row per driver and finishing position, a few hundred for a season) and an in-memory
    sort over the season's ~20 drivers.
    """
    _season(year)
    groups = db.session.execute(
        select(SessionResult.driver_id, SessionResult.session == SessionKind.race, SessionResult.classified,
               SessionResult.position, func.count(), func.sum(SessionResult.points))
        .join(Race, Race.id == SessionResult.race_id)
        .where(Race.season_year == year, SessionResult.session.in_(CHAMPIONSHIP_SESSIONS))
        .group_by(SessionResult.driver_id, SessionResult.session, SessionResult.classified, SessionResult.position)
    ).all()
    records = standings.tally(groups)
    drivers = {d.id: d for d in db.session.scalars(select(Driver).where(Driver.id.in_(records)))}
    return [{"position": position, "driver": drivers[record.driver_id], "points": record.points,
             "wins": record.wins} for position, record in standings.rank(records.values())]


def check_known(rows: list[dict]) -> None:
    """Every driver and constructor of a hand-entered classification must exist (422 otherwise)."""
    errors = {}
    for model, field in ((Driver, "driver_id"), (Constructor, "constructor_id")):
        wanted = {row[field] for row in rows}
        known = set(db.session.scalars(select(model.id).where(model.id.in_(wanted))))
        for index, row in enumerate(rows):
            if row[field] not in known:
                errors.setdefault(str(index), {})[field] = [f"Unknown {field.split('_')[0]} {row[field]}"]
    if errors:
        raise Unprocessable("Unknown drivers or constructors", errors={"rows": errors})
