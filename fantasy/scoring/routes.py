"""Standings and team scores (§8, §11); the admin re-score endpoint is in admin_routes.py."""
from flask import request
from flask.views import MethodView

from fantasy.auth.tokens import current_principal, current_user
from fantasy.common.api import Blueprint
from fantasy.common.pagination import GRID_PAGE_SIZE, json_page
from fantasy.scoring import salary_cap, standings
from fantasy.scoring.schemas import (
    RaceScoreSchema,
    StandingRowSchema,
    StandingsQuerySchema,
    TeamRoundSchema,
)

standings_blp = Blueprint("standings", __name__, url_prefix="/api/v1", description="Standings and scores")


def _season_ahead(league_id: int) -> None:
    """The season's standings (no race_id asked) are read in the token check's Redis round trip."""
    if "race_id" not in request.args:
        standings.read_ahead(league_id)


@standings_blp.route("/leagues/<id:league_id>/standings")
class LeagueStandings(MethodView):
    @standings_blp.login_required(ahead=_season_ahead)
    @standings_blp.arguments(StandingsQuerySchema, location="query")
    @standings_blp.response(200, StandingRowSchema(many=True))
    @standings_blp.alt_response(403, description="Not a member of this (public) league")
    @standings_blp.alt_response(404, description="No such league (or a private league you are not a member of), "
                                                 "or that race is not scored in it")
    @standings_blp.paginate(page_size=GRID_PAGE_SIZE)
    @standings_blp.doc(operationId="getStandings")
    def get(self, args, league_id, pagination_parameters):
        """Season standings, or one race's with ?race_id= (members only)"""
        return json_page(standings.standings(league_id, current_principal, args.get("race_id")), pagination_parameters)


@standings_blp.route("/teams/<id:team_id>/scores")
class TeamScores(MethodView):
    @standings_blp.login_required()
    @standings_blp.response(200, RaceScoreSchema(many=True))
    @standings_blp.alt_response(403, description="Not a member of this (public) team's league")
    @standings_blp.alt_response(404, description="No such team (or one of a private league you are not a member of)")
    @standings_blp.doc(operationId="getTeamScores")
    def get(self, team_id):
        """A team's points per scored race, with every pick's line items"""
        return standings.team_scores(team_id, current_user)


@standings_blp.route("/teams/<id:team_id>/rounds")
class TeamRounds(MethodView):
    @standings_blp.login_required()
    @standings_blp.response(200, TeamRoundSchema(many=True))
    @standings_blp.alt_response(403, description="Not a member of this (public) team's league")
    @standings_blp.alt_response(404, description="No such team (or one of a private league you are not a member "
                                                 "of), or a team of a draft league")
    @standings_blp.doc(operationId="getTeamRounds")
    def get(self, team_id):
        """A salary-cap team's scored rounds, each asset with its multiplier and line items, chip and penalty"""
        return salary_cap.team_rounds(team_id, current_user)


@standings_blp.route("/teams/<id:team_id>/rounds/<id:race_id>")
class TeamRound(MethodView):
    @standings_blp.login_required()
    @standings_blp.response(200, TeamRoundSchema)
    @standings_blp.alt_response(403, description="Not a member of this (public) team's league")
    @standings_blp.alt_response(404, description="No such team (or one of a private league you are not a member "
                                                 "of), a team of a draft league, or no scored lineup for that race")
    @standings_blp.doc(operationId="getTeamRound")
    def get(self, team_id, race_id):
        """A salary-cap team's round breakdown: assets with names, multipliers and line items, chip, penalty"""
        return salary_cap.team_rounds(team_id, current_user, race_id)[0]
