"""Draft endpoints (§7, §11): state, open/lock (replay), picks, manual order and the pick queue."""
from flask.views import MethodView

from fantasy.auth.tokens import current_principal, current_user
from fantasy.common.api import Blueprint
from fantasy.drafts import service
from fantasy.drafts.schemas import DraftStateSchema, OrderSchema, PickRequestSchema, PickSchema, QueueSchema

drafts_blp = Blueprint("drafts", __name__, url_prefix="/api/v1/leagues", description="Drafts and picks")
DRAFT = "/<id:league_id>/drafts/<id:race_id>"
NOT_FOUND = "No such league (or a private league you are not a member of), or no such race in its season"
NO_TEAM = "Not a member of this league, or no team in it"
MANAGERS_ONLY = "Not the league's owner or a manager"


@drafts_blp.route(DRAFT)
class DraftState(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.response(200, DraftStateSchema)
    @drafts_blp.alt_response(403, description=NO_TEAM)
    @drafts_blp.alt_response(404, description=NOT_FOUND)
    @drafts_blp.doc(operationId="getDraft")
    def get(self, league_id, race_id):
        """The draft: state, order, team on the clock, deadline, picks, available drivers, my queue"""
        return service.draft_state(league_id, race_id, current_principal)


@drafts_blp.route(f"{DRAFT}/open")
class OpenDraft(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.response(200, DraftStateSchema)
    @drafts_blp.alt_response(403, description=MANAGERS_ONLY)
    @drafts_blp.alt_response(404, description=NOT_FOUND)
    @drafts_blp.alt_response(409, description="A live league, a draft already open or done, another round's draft "
                                             "still running, a later round already drafted, or fewer than two teams")
    @drafts_blp.doc(operationId="openDraft")
    def post(self, league_id, race_id):
        """Open this round's draft now (replay leagues; owner or manager)"""
        return service.open_replay_round(league_id, race_id, current_user)


@drafts_blp.route(f"{DRAFT}/lock")
class LockDraft(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.response(200, DraftStateSchema)
    @drafts_blp.alt_response(403, description=MANAGERS_ONLY)
    @drafts_blp.alt_response(404, description=f"{NOT_FOUND}; or a draft never opened")
    @drafts_blp.alt_response(409, description="A live league, or a draft that is not running")
    @drafts_blp.doc(operationId="lockDraft")
    def post(self, league_id, race_id):
        """Lock this round's draft, autopicking empty slots (replay leagues; owner or manager)"""
        return service.lock_replay_round(league_id, race_id, current_user)


@drafts_blp.route(f"{DRAFT}/picks")
class Picks(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.arguments(PickRequestSchema, example={"driver_id": 830})
    @drafts_blp.response(201, PickSchema)
    @drafts_blp.alt_response(403, description=NO_TEAM)
    @drafts_blp.alt_response(404, description=f"{NOT_FOUND}; or a draft never opened")
    @drafts_blp.alt_response(409, description="Not your turn, driver taken, or the draft is not open")
    @drafts_blp.doc(operationId="makePick")
    def post(self, data, league_id, race_id):
        """Pick a driver when your team is on the clock"""
        return service.make_pick(league_id, race_id, current_principal, data["driver_id"])


@drafts_blp.route(f"{DRAFT}/order")
class Order(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.arguments(OrderSchema, example={"team_ids": [12, 10, 11]})
    @drafts_blp.response(200, DraftStateSchema)
    @drafts_blp.alt_response(403, description=MANAGERS_ONLY)
    @drafts_blp.alt_response(404, description=NOT_FOUND)
    @drafts_blp.alt_response(409, description="The league's order strategy is not manual, or a pick has been made")
    @drafts_blp.doc(operationId="setDraftOrder")
    def put(self, data, league_id, race_id):
        """Set the first-round order (manual strategy; owner or manager; before the first pick)"""
        return service.set_order(league_id, race_id, current_user, data["team_ids"])


@drafts_blp.route(f"{DRAFT}/queue")
class Queue(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.response(200, QueueSchema)
    @drafts_blp.alt_response(403, description=NO_TEAM)
    @drafts_blp.alt_response(404, description=NOT_FOUND)
    @drafts_blp.doc(operationId="getPickQueue")
    def get(self, league_id, race_id):
        """My team's pick queue for this draft"""
        return service.get_queue(league_id, race_id, current_user)

    @drafts_blp.login_required()
    @drafts_blp.arguments(QueueSchema, example={"driver_ids": [830, 1, 844]})
    @drafts_blp.response(200, QueueSchema)
    @drafts_blp.alt_response(403, description=NO_TEAM)
    @drafts_blp.alt_response(404, description=NOT_FOUND)
    @drafts_blp.alt_response(409, description="The draft is over: the queue no longer matters")
    @drafts_blp.doc(operationId="setPickQueue")
    def put(self, data, league_id, race_id):
        """Replace my team's pick queue (ranked driver ids)"""
        return service.set_queue(league_id, race_id, current_user, data["driver_ids"])
