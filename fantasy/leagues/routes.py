"""League, membership and team endpoints (§6, §11). Every route signs in; access is league_access()."""
from flask.views import MethodView

from fantasy.auth.tokens import current_user
from fantasy.common.api import Blueprint
from fantasy.common.http import no_store
from fantasy.common.pagination import GRID_PAGE_SIZE, paginate
from fantasy.leagues import service
from fantasy.leagues.schemas import (
    InviteCodeSchema,
    JoinByCodeSchema,
    JoinSchema,
    LeagueCreateSchema,
    LeagueSchema,
    LeagueSearchSchema,
    LeagueSummarySchema,
    LeagueUpdateSchema,
    MemberSchema,
    RoleChangeSchema,
    TeamRenameSchema,
    TeamSchema,
    TransferSchema,
)

leagues_blp = Blueprint("leagues", __name__, url_prefix="/api/v1/leagues", description="Leagues and members")
teams_blp = Blueprint("teams", __name__, url_prefix="/api/v1/teams", description="Fantasy teams")

NOT_VISIBLE = "No such league (or a private league you are not a member of)"
MEMBERS_ONLY = "Not a member of this (public) league"
MANAGERS_ONLY = "Not the league's owner or a manager"
OWNER_ONLY = "Not the league's owner"
TAKEN = "Already a member, league full, or team name taken"


@leagues_blp.route("")
class Leagues(MethodView):
    @leagues_blp.login_required()
    @leagues_blp.response(200, LeagueSummarySchema(many=True))
    @leagues_blp.paginate()
    @leagues_blp.doc(operationId="listMyLeagues")
    def get(self, pagination_parameters):
        """My leagues"""
        return paginate(service.my_leagues(current_user), pagination_parameters)

    @no_store
    @leagues_blp.login_required()
    @leagues_blp.arguments(LeagueCreateSchema, example={"name": "Friday Night League", "season": 2023, "mode": "replay",
                                                         "max_teams": 4, "team_name": "Box Box Box"})
    @leagues_blp.response(201, LeagueSchema)
    @leagues_blp.doc(operationId="createLeague")
    def post(self, data):
        """Create a league; its creator owns it and gets a team at once"""
        return service.create_league(current_user, data)


@leagues_blp.route("/public")
class PublicLeagues(MethodView):
    @leagues_blp.login_required()
    @leagues_blp.arguments(LeagueSearchSchema, location="query")
    @leagues_blp.response(200, LeagueSummarySchema(many=True))
    @leagues_blp.paginate()
    @leagues_blp.doc(operationId="searchPublicLeagues")
    def get(self, args, pagination_parameters):
        """Search public leagues by name"""
        return paginate(service.search_public(current_user, args.get("q")), pagination_parameters)


@leagues_blp.route("/join")
class JoinByCode(MethodView):
    @leagues_blp.login_required()
    @leagues_blp.arguments(JoinByCodeSchema, example={"invite_code": "Xk3vQ9pLm2Rt", "team_name": "Undercut Kings"})
    @leagues_blp.response(201, TeamSchema)
    @leagues_blp.alt_response(404, description="Unknown invite code")
    @leagues_blp.alt_response(409, description=TAKEN)
    @leagues_blp.doc(operationId="joinLeagueByCode")
    def post(self, data):
        """Join a league with its invite code"""
        return service.join_by_code(data["invite_code"], current_user, data["team_name"])


@leagues_blp.route("/<id:league_id>")
class LeagueById(MethodView):
    @no_store
    @leagues_blp.login_required()
    @leagues_blp.response(200, LeagueSchema)
    @leagues_blp.alt_response(404, description=NOT_VISIBLE)
    @leagues_blp.doc(operationId="getLeague")
    def get(self, league_id):
        """A league (public ones for anyone signed in; private ones for members)"""
        return service.get_league(league_id, current_user)

    @no_store
    @leagues_blp.login_required()
    @leagues_blp.arguments(LeagueUpdateSchema, example={"name": "Sunday League", "pick_seconds": 120})
    @leagues_blp.response(200, LeagueSchema)
    @leagues_blp.alt_response(403, description=f"{MANAGERS_ONLY} (a new ruleset with rescore_season: the owner only)")
    @leagues_blp.alt_response(404, description=NOT_VISIBLE)
    @leagues_blp.alt_response(409, description="max_teams below the team count, draft settings while a draft runs, "
                                               "or a new ruleset once races are scored (without rescore_season)")
    @leagues_blp.doc(operationId="updateLeague")
    def patch(self, data, league_id):
        """Change a league's name or settings (owner or manager)"""
        return service.update_league(league_id, current_user, data)

    @leagues_blp.login_required()
    @leagues_blp.response(204)
    @leagues_blp.alt_response(403, description=OWNER_ONLY)
    @leagues_blp.alt_response(404, description=NOT_VISIBLE)
    @leagues_blp.doc(operationId="deleteLeague")
    def delete(self, league_id):
        """Delete a league (owner only)"""
        service.delete_league(league_id, current_user)


@leagues_blp.route("/<id:league_id>/join")
class JoinPublic(MethodView):
    @leagues_blp.login_required()
    @leagues_blp.arguments(JoinSchema, example={"team_name": "Undercut Kings"})
    @leagues_blp.response(201, TeamSchema)
    @leagues_blp.alt_response(404, description=NOT_VISIBLE)
    @leagues_blp.alt_response(409, description=f"{TAKEN}; or a private league (joined with its invite code)")
    @leagues_blp.doc(operationId="joinPublicLeague")
    def post(self, data, league_id):
        """Join a public league"""
        return service.join_public(league_id, current_user, data["team_name"])


@leagues_blp.route("/<id:league_id>/leave")
class Leave(MethodView):
    @leagues_blp.login_required()
    @leagues_blp.response(204)
    @leagues_blp.alt_response(403, description=MEMBERS_ONLY)
    @leagues_blp.alt_response(404, description=NOT_VISIBLE)
    @leagues_blp.alt_response(409, description="The owner cannot leave: transfer ownership first")
    @leagues_blp.doc(operationId="leaveLeague")
    def post(self, league_id):
        """Leave a league (the owner must transfer ownership first); the team keeps its history"""
        service.leave(league_id, current_user)


@leagues_blp.route("/<id:league_id>/invite-code")
class InviteCode(MethodView):
    @no_store
    @leagues_blp.login_required()
    @leagues_blp.response(201, InviteCodeSchema)
    @leagues_blp.alt_response(403, description=MANAGERS_ONLY)
    @leagues_blp.alt_response(404, description=NOT_VISIBLE)
    @leagues_blp.doc(operationId="regenerateInviteCode")
    def post(self, league_id):
        """Regenerate the invite code (owner or manager); the old one stops working at once"""
        return service.regenerate_invite_code(league_id, current_user)


@leagues_blp.route("/<id:league_id>/members")
class Members(MethodView):
    @leagues_blp.login_required()
    @leagues_blp.response(200, MemberSchema(many=True))
    @leagues_blp.alt_response(403, description=MEMBERS_ONLY)
    @leagues_blp.alt_response(404, description=NOT_VISIBLE)
    @leagues_blp.paginate(page_size=GRID_PAGE_SIZE)
    @leagues_blp.doc(operationId="listMembers")
    def get(self, league_id, pagination_parameters):
        """The league's active members (members only)"""
        return paginate(service.list_members(league_id, current_user), pagination_parameters)


@leagues_blp.route("/<id:league_id>/members/<id:user_id>")
class MemberById(MethodView):
    @leagues_blp.login_required()
    @leagues_blp.arguments(RoleChangeSchema, example={"role": "manager"})
    @leagues_blp.response(200, MemberSchema)
    @leagues_blp.alt_response(403, description=OWNER_ONLY)
    @leagues_blp.alt_response(404, description="No such league, or no such member in it")
    @leagues_blp.alt_response(409, description="The owner's role cannot change: transfer ownership instead")
    @leagues_blp.doc(operationId="changeMemberRole")
    def patch(self, data, league_id, user_id):
        """Promote a member to manager or demote a manager (owner only)"""
        return service.change_role(league_id, current_user, user_id, data["role"])

    @leagues_blp.login_required()
    @leagues_blp.response(204)
    @leagues_blp.alt_response(403, description=f"{MANAGERS_ONLY}; only the owner removes managers")
    @leagues_blp.alt_response(404, description="No such league, or no such member in it")
    @leagues_blp.alt_response(409, description="The owner cannot be removed, and members leave rather than remove "
                                               "themselves")
    @leagues_blp.doc(operationId="removeMember")
    def delete(self, league_id, user_id):
        """Remove a member (owner or manager; only the owner removes managers)"""
        service.remove_member(league_id, current_user, user_id)


@leagues_blp.route("/<id:league_id>/transfer")
class Transfer(MethodView):
    @no_store
    @leagues_blp.login_required()
    @leagues_blp.arguments(TransferSchema, example={"user_id": 42})
    @leagues_blp.response(200, LeagueSchema)
    @leagues_blp.alt_response(403, description=OWNER_ONLY)
    @leagues_blp.alt_response(404, description="No such league, or no such member in it")
    @leagues_blp.alt_response(409, description="This member already owns the league")
    @leagues_blp.doc(operationId="transferOwnership")
    def post(self, data, league_id):
        """Hand ownership to another member (owner only); the old owner becomes a manager"""
        return service.transfer_ownership(league_id, current_user, data["user_id"])


@leagues_blp.route("/<id:league_id>/teams")
class LeagueTeams(MethodView):
    @leagues_blp.login_required()
    @leagues_blp.response(200, TeamSchema(many=True))
    @leagues_blp.alt_response(403, description=MEMBERS_ONLY)
    @leagues_blp.alt_response(404, description=NOT_VISIBLE)
    @leagues_blp.paginate(page_size=GRID_PAGE_SIZE)
    @leagues_blp.doc(operationId="listLeagueTeams")
    def get(self, league_id, pagination_parameters):
        """Every team of the league, those that left included (members only)"""
        return paginate(service.list_teams(league_id, current_user), pagination_parameters)


@teams_blp.route("/<id:team_id>")
class TeamById(MethodView):
    @teams_blp.login_required()
    @teams_blp.response(200, TeamSchema)
    @teams_blp.alt_response(403, description=MEMBERS_ONLY)
    @teams_blp.alt_response(404, description="No such team (or one of a private league you are not a member of)")
    @teams_blp.doc(operationId="getTeam")
    def get(self, team_id):
        """A team (members of its league)"""
        return service.get_team(team_id, current_user)

    @teams_blp.login_required()
    @teams_blp.arguments(TeamRenameSchema, example={"name": "Undercut Kings"})
    @teams_blp.response(200, TeamSchema)
    @teams_blp.alt_response(403, description="Not your team")
    @teams_blp.alt_response(404, description="No such team (or one of a private league you are not a member of)")
    @teams_blp.alt_response(409, description="The team has left its league, or the name is taken in it")
    @teams_blp.doc(operationId="renameTeam")
    def patch(self, data, team_id):
        """Rename my team"""
        return service.rename_team(team_id, current_user, data["name"])
