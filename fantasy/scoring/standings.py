"""Team totals derived where they are read: picks joined to the shared driver scores."""
from sqlalchemy import func, select

from fantasy.drafts.models import Draft, DraftState, Pick
from fantasy.extensions import db
from fantasy.leagues.models import League
from fantasy.scoring.models import DriverScore


def season_totals(league_id: int) -> dict[int, float]:
    """Each team's season points over the league's scored drafts (one indexed aggregate)."""
    league = db.session.get(League, league_id)
    rows = db.session.execute(
        select(Pick.team_id, func.coalesce(func.sum(DriverScore.points), 0))
        .join(Draft, Draft.id == Pick.draft_id)
        .join(
            DriverScore,
            (DriverScore.race_id == Pick.race_id)
            & (DriverScore.driver_id == Pick.driver_id)
            & (DriverScore.ruleset == league.ruleset),
        )
        .where(Pick.league_id == league_id, Draft.state == DraftState.scored)
        .group_by(Pick.team_id)
    ).all()
    return {team_id: float(total) for team_id, total in rows}
