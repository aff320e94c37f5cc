"""Driver cards: what a client shows for a driver (code, name, the constructor they drive for), read in one
statement for any number of drivers (§11: responses name their drivers, not only ids)."""
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from fantasy.extensions import db
from fantasy.f1data.models import Constructor, Driver, Race, SessionResult


def constructor_at(driver_id, season, round_):
    """The constructor of the driver's latest classification up to (season, round): correlated to the
    enclosing statement through its arguments (columns or values). A driver who has not raced yet keeps
    last season's team, and one who never raced has none."""
    result, race = aliased(SessionResult), aliased(Race)
    return (
        select(result.constructor_id)
        .join(race, race.id == result.race_id)
        .where(result.driver_id == driver_id,
               or_(race.season_year < season, and_(race.season_year == season, race.round <= round_)))
        .order_by(race.season_year.desc(), race.round.desc())
        .limit(1)
        .scalar_subquery()
    )


# The columns of a card, for a statement that goes through `card_join` (`card(*row)` turns them into one).
CARD_COLUMNS = (Driver.id, Driver.code, Driver.given_name, Driver.family_name, Constructor.id, Constructor.name)


def card_join(statement, season, round_):
    """`statement` (which selects from Driver) with the driver's constructor at (season, round) joined; the
    season and round may be columns of the statement (each pick's own race)."""
    return statement.outerjoin(Constructor, Constructor.id == constructor_at(Driver.id, season, round_))


def card(driver_id, code, given_name, family_name, constructor_id, constructor_name) -> dict:
    constructor = {"id": constructor_id, "name": constructor_name} if constructor_id is not None else None
    return {"id": driver_id, "code": code, "name": f"{given_name} {family_name}", "constructor": constructor}


def driver_cards(driver_ids, race: Race) -> dict[int, dict]:
    """The cards of `driver_ids` as of `race` (constructor: the latest up to that round), by driver id."""
    if not driver_ids:
        return {}
    statement = card_join(select(*CARD_COLUMNS), race.season_year, race.round)
    rows = db.session.execute(statement.where(Driver.id.in_(set(driver_ids)))).all()
    return {row[0]: card(*row) for row in rows}
