"""Salary-cap endpoints (§13): a team's lineup of a round (GET/PUT), its chips, and a replay round's lock."""
from flask.views import MethodView

from fantasy.auth.tokens import current_user
from fantasy.common.api import Blueprint
from fantasy.lineups import lock, service
from fantasy.lineups.schemas import ChipsSchema, LineupRequestSchema, LineupSchema, RoundLockSchema

lineups_blp = Blueprint("lineups", __name__, url_prefix="/api/v1/leagues",
                        description="Salary-cap lineups, chips and round locks")
TEAM = "/<id:league_id>/teams/<id:team_id>"
NOT_FOUND = ("No such league (or a private league you are not a member of), no such team in it, or no such race in "
             "its season")
DRAFT_LEAGUE = "A draft league (lineups are for salary-cap leagues)"
LINEUP_EXAMPLE = {"driver_ids": [830, 844, 846, 847, 848], "constructor_ids": [9, 3], "boost_driver_id": 830,
                  "chip": "extra_boost", "extra_boost_driver_id": 844}


@lineups_blp.route(f"{TEAM}/lineups/<id:race_id>")
class TeamLineup(MethodView):
    @lineups_blp.login_required()
    @lineups_blp.response(200, LineupSchema)
    @lineups_blp.alt_response(403, description="Not a member of this (public) league")
    @lineups_blp.alt_response(404, description=f"{NOT_FOUND}; another team's lineup before its round locks "
                                               "(private); no lineup of this team in a locked round; or a round "
                                               "the league does not play (cancelled, or locked before it began)")
    @lineups_blp.alt_response(409, description=DRAFT_LEAGUE)
    @lineups_blp.doc(operationId="getLineup")
    def get(self, league_id, team_id, race_id):
        """A team's lineup of a round with cost, bank, team value, transfers and penalty (yours: set, carried
        over or empty; another team's once the round locked)"""
        return service.get_lineup(league_id, team_id, race_id, current_user)

    @lineups_blp.login_required()
    @lineups_blp.arguments(LineupRequestSchema, example=LINEUP_EXAMPLE)
    @lineups_blp.response(200, LineupSchema)
    @lineups_blp.alt_response(403, description="Not your team, or not a member of this (public) league")
    @lineups_blp.alt_response(404, description=NOT_FOUND)
    @lineups_blp.alt_response(409, description=f"{DRAFT_LEAGUE}; the round is locked or not the open one; no "
                                               "prices stored for it yet; or the team left the league")
    @lineups_blp.alt_response(422, description="A rule broken, named in errors: counts (5 drivers, 2 constructors), "
                                               "duplicates, assets not in the round's entry list or prices, over "
                                               "budget, boost not in the lineup, extra boost without its chip, one "
                                               "chip per round, a chip already used, wildcard or limitless in the "
                                               "team's first round")
    @lineups_blp.doc(operationId="setLineup")
    def put(self, data, league_id, team_id, race_id):
        """Set your team's whole lineup of the open round (5 drivers, 2 constructors, boost, optional chip);
        it carries over to later rounds until changed"""
        return service.set_lineup(league_id, team_id, race_id, current_user, data)


@lineups_blp.route(f"{TEAM}/chips")
class TeamChips(MethodView):
    @lineups_blp.login_required()
    @lineups_blp.response(200, ChipsSchema)
    @lineups_blp.alt_response(403, description="Not a member of this (public) league")
    @lineups_blp.alt_response(404, description="No such league (or a private league you are not a member of), or "
                                               "no such team in it")
    @lineups_blp.alt_response(409, description=DRAFT_LEAGUE)
    @lineups_blp.doc(operationId="listTeamChips")
    def get(self, league_id, team_id):
        """A team's chips: the round each was played, and (your team) which is chosen and which can be"""
        return service.list_chips(league_id, team_id, current_user)


@lineups_blp.route("/<id:league_id>/rounds/<id:race_id>/lock")
class LockRound(MethodView):
    @lineups_blp.login_required()
    @lineups_blp.response(200, RoundLockSchema)
    @lineups_blp.alt_response(403, description="Not the league's owner or a manager")
    @lineups_blp.alt_response(404, description="No such league (or a private league you are not a member of), or "
                                               "no such race in its season")
    @lineups_blp.alt_response(409, description=f"{DRAFT_LEAGUE}; a live league (rounds lock on the clock); the "
                                               "round is locked already or not the open one; no prices stored; or "
                                               "the stored results cannot score it")
    @lineups_blp.doc(operationId="lockLineupRound")
    def post(self, league_id, race_id):
        """Lock the open round (replay salary-cap leagues; owner or manager): lineups become final, carried over
        for teams that did not change theirs, and the stored results score the round"""
        return lock.lock_replay_round(league_id, race_id, current_user)
