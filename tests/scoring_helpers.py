"""Shared by the scoring, market and end-to-end tests: standings as a client reads them, the official points a
draft league's picks earned, stored classifications as rows, and a correction through the admin ingest path."""
from decimal import Decimal

from rq import SimpleWorker
from sqlalchemy import select

from drafts_helpers import API, League
from fantasy.common.redis import get_redis
from fantasy.drafts.models import Pick
from fantasy.extensions import db
from fantasy.f1data import service as f1data
from fantasy.f1data.ingest import ROW_FIELDS
from fantasy.f1data.models import SessionKind, SessionResult
from fantasy.jobs.queues import LOW, get_queue


def standings(client, league: League, **query):
    response = client.get(f"{API}/leagues/{league.id}/standings", query_string=query, headers=league.owner["headers"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def official_points(app, league_id: int) -> dict[int, Decimal]:
    """Per team, the upstream's championship points of its picks (race and sprint): the `standard` ruleset."""
    with app.app_context():
        rows = db.session.execute(
            select(Pick.team_id, SessionResult.points)
            .join(SessionResult, (SessionResult.race_id == Pick.race_id) & (SessionResult.driver_id == Pick.driver_id))
            .where(Pick.league_id == league_id, SessionResult.session.in_([SessionKind.race, SessionKind.sprint]))
        ).all()
    totals: dict[int, Decimal] = {}
    for team_id, points in rows:
        totals[team_id] = totals.get(team_id, Decimal(0)) + points
    return totals


def result_rows(app, race: int, session=SessionKind.race) -> list[dict]:
    """A stored classification in finishing order, as the admin results route takes it (decimals as strings)."""
    with app.app_context():
        return [{name: (str(value) if isinstance(value, Decimal) else value) for name in ROW_FIELDS
                 if name != "classified" for value in [getattr(row, name)]}
                for row in db.session.scalars(select(SessionResult).where(
                    SessionResult.race_id == race, SessionResult.session == session).order_by(SessionResult.position))]


def correct(app, race: int, session: SessionKind, change) -> None:
    """Correct a stored classification through the admin ingest path: `change(rows)` edits the dicts."""
    with app.app_context():
        rows = [{name: getattr(row, name) for name in ROW_FIELDS if name != "classified"}
                for row in db.session.scalars(select(SessionResult).where(
                    SessionResult.race_id == race, SessionResult.session == session))]
        change(rows)
        f1data.correct_results(race, session, rows, actor_id=None)


def work_low(app) -> None:
    """Run the `low` queue's jobs (the price and notification jobs) with a real RQ worker, in burst mode."""
    with app.app_context():
        SimpleWorker([get_queue(LOW)], connection=get_redis()).work(burst=True)
