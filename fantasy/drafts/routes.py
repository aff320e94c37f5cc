"""Draft endpoints (§7, §11): state, open/lock (replay), picks, manual order and the pick queue."""
from flask.views import MethodView

from fantasy.auth.tokens import current_principal, current_user
from fantasy.common.api import Blueprint
from fantasy.drafts import service
from fantasy.drafts.schemas import DraftStateSchema, OrderSchema, PickRequestSchema, PickSchema, QueueSchema

drafts_blp = Blueprint("drafts", __name__, url_prefix="/api/v1/leagues", description="Drafts and picks")
DRAFT = "/<id:league_id>/drafts/<id:race_id>"


@drafts_blp.route(DRAFT)
class DraftState(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.response(200, DraftStateSchema)
    def get(self, league_id, race_id):
        """The draft: state, order, team on the clock, deadline, picks, available drivers, my queue"""
        return service.draft_state(league_id, race_id, current_principal)


@drafts_blp.route(f"{DRAFT}/open")
class OpenDraft(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.response(200, DraftStateSchema)
    def post(self, league_id, race_id):
        """Open this round's draft now (replay leagues; owner or manager)"""
        return service.open_replay_round(league_id, race_id, current_user)


@drafts_blp.route(f"{DRAFT}/lock")
class LockDraft(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.response(200, DraftStateSchema)
    def post(self, league_id, race_id):
        """Lock this round's draft, autopicking empty slots (replay leagues; owner or manager)"""
        return service.lock_replay_round(league_id, race_id, current_user)


@drafts_blp.route(f"{DRAFT}/picks")
class Picks(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.arguments(PickRequestSchema)
    @drafts_blp.response(201, PickSchema)
    @drafts_blp.alt_response(409, description="Not your turn, driver taken, or the draft is not open")
    def post(self, data, league_id, race_id):
        """Pick a driver when your team is on the clock"""
        return service.make_pick(league_id, race_id, current_principal, data["driver_id"])


@drafts_blp.route(f"{DRAFT}/order")
class Order(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.arguments(OrderSchema)
    @drafts_blp.response(200, DraftStateSchema)
    def put(self, data, league_id, race_id):
        """Set the first-round order (manual strategy; owner or manager; before the first pick)"""
        return service.set_order(league_id, race_id, current_user, data["team_ids"])


@drafts_blp.route(f"{DRAFT}/queue")
class Queue(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.response(200, QueueSchema)
    def get(self, league_id, race_id):
        """My team's pick queue for this draft"""
        return service.get_queue(league_id, race_id, current_user)

    @drafts_blp.login_required()
    @drafts_blp.arguments(QueueSchema)
    @drafts_blp.response(200, QueueSchema)
    def put(self, data, league_id, race_id):
        """Replace my team's pick queue (ranked driver ids)"""
        return service.set_queue(league_id, race_id, current_user, data["driver_ids"])
