"""Draft endpoints (§7, §11): state, open/lock (replay), picks, manual order and the pick queue."""
from flask.views import MethodView

from fantasy.auth.tokens import current_principal, current_user
from fantasy.common.api import Blueprint
from fantasy.drafts import commissioner, lifecycle, manual_order, pick_queue, picking, reads
from fantasy.drafts.schemas import (
    DraftStateSchema,
    LeagueRaceSchema,
    OnBehalfSchema,
    OrderSchema,
    PickRequestSchema,
    PickSchema,
    QueueSchema,
    TurnSchema,
    UndoSchema,
)

drafts_blp = Blueprint("drafts", __name__, url_prefix="/api/v1/leagues", description="Drafts and picks")
DRAFT = "/<id:league_id>/drafts/<id:race_id>"
NOT_FOUND = "No such league (or a private league you are not a member of), or no such race in its season"
NO_TEAM = "Not a member of this league, or no team in it"
MANAGERS_ONLY = "Not the league's owner or a manager"


@drafts_blp.route("/<id:league_id>/races")
class LeagueRaces(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.response(200, LeagueRaceSchema(many=True))
    @drafts_blp.alt_response(403, description=NO_TEAM)
    @drafts_blp.alt_response(404, description="No such league (or a private league you are not a member of)")
    @drafts_blp.doc(operationId="listLeagueRaces")
    def get(self, league_id):
        """The league's season race by race: its draft's state and whether the round can be played"""
        return reads.league_races(league_id, current_user)


@drafts_blp.route(DRAFT)
class DraftByRace(MethodView):
    @drafts_blp.login_required(ahead=reads.access_ahead)
    @drafts_blp.response(200, DraftStateSchema)
    @drafts_blp.alt_response(403, description=NO_TEAM)
    @drafts_blp.alt_response(404, description=NOT_FOUND)
    @drafts_blp.doc(operationId="getDraft")
    def get(self, league_id, race_id):
        """The draft: state, order, team on the clock, deadline, picks, available drivers, my queue"""
        return reads.draft_state(league_id, race_id, current_principal)


@drafts_blp.route(f"{DRAFT}/open")
class OpenDraft(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.response(200, DraftStateSchema)
    @drafts_blp.alt_response(403, description=MANAGERS_ONLY)
    @drafts_blp.alt_response(404, description=NOT_FOUND)
    @drafts_blp.alt_response(409, description="A live or salary-cap league, a draft already open or done, another "
                                             "round's draft still running, a later round already drafted, fewer than "
                                             "two teams, or a round the stored results cannot score (the message "
                                             "says why)")
    @drafts_blp.doc(operationId="openDraft")
    def post(self, league_id, race_id):
        """Open this round's draft now (replay leagues; owner or manager)"""
        return lifecycle.open_replay_round(league_id, race_id, current_user)


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
        return lifecycle.lock_replay_round(league_id, race_id, current_user)


@drafts_blp.route(f"{DRAFT}/picks")
class Picks(MethodView):
    @drafts_blp.login_required(ahead=reads.access_ahead)
    @drafts_blp.arguments(PickRequestSchema, example={"driver_id": 830})
    @drafts_blp.response(201, PickSchema)
    @drafts_blp.alt_response(403, description=NO_TEAM)
    @drafts_blp.alt_response(404, description=f"{NOT_FOUND}; or a draft never opened")
    @drafts_blp.alt_response(409, description="Not your turn, driver taken, or the draft is not open")
    @drafts_blp.doc(operationId="makePick")
    def post(self, data, league_id, race_id):
        """Pick a driver when your team is on the clock"""
        return picking.make_pick(league_id, race_id, current_principal, data["driver_id"])


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
        return manual_order.set_order(league_id, race_id, current_user, data["team_ids"])


@drafts_blp.route(f"{DRAFT}/queue")
class Queue(MethodView):
    @drafts_blp.login_required()
    @drafts_blp.response(200, QueueSchema)
    @drafts_blp.alt_response(403, description=NO_TEAM)
    @drafts_blp.alt_response(404, description=NOT_FOUND)
    @drafts_blp.doc(operationId="getPickQueue")
    def get(self, league_id, race_id):
        """My team's pick queue for this draft"""
        return pick_queue.get_queue(league_id, race_id, current_user)

    @drafts_blp.login_required()
    @drafts_blp.arguments(QueueSchema, example={"driver_ids": [830, 1, 844]})
    @drafts_blp.response(200, QueueSchema)
    @drafts_blp.alt_response(403, description=NO_TEAM)
    @drafts_blp.alt_response(404, description=NOT_FOUND)
    @drafts_blp.alt_response(409, description="The draft is over: the queue no longer matters")
    @drafts_blp.doc(operationId="setPickQueue")
    def put(self, data, league_id, race_id):
        """Replace my team's pick queue (ranked driver ids)"""
        return pick_queue.set_queue(league_id, race_id, current_user, data["driver_ids"])


# --- commissioner tools (§14): owner, managers and global admins --------------------------------

NOT_RUNNING = "Not a running draft"


def _commissioner_tool(path: str, operation_id: str, conflicts: str, schema=None, example=None):
    """A POST that answers the draft state, documented like every manager route."""

    def register(view):
        post = view.post
        if schema is not None:
            post = drafts_blp.arguments(schema, example=example)(post)
        post = drafts_blp.response(200, DraftStateSchema)(post)
        post = drafts_blp.alt_response(403, description=MANAGERS_ONLY)(post)
        post = drafts_blp.alt_response(404, description=f"{NOT_FOUND}; or a draft never opened")(post)
        post = drafts_blp.alt_response(409, description=conflicts)(post)
        post = drafts_blp.doc(operationId=operation_id)(post)
        view.post = drafts_blp.login_required()(post)
        return drafts_blp.route(f"{DRAFT}/{path}")(view)

    return register


@_commissioner_tool("pause", "pauseDraft", f"{NOT_RUNNING}, or already paused")
class PauseDraft(MethodView):
    def post(self, league_id, race_id):
        """Pause the draft: picks answer 409 and the pick clock stops (owner or manager)"""
        return commissioner.pause(league_id, race_id, current_user)


@_commissioner_tool("resume", "resumeDraft", "The draft is not paused")
class ResumeDraft(MethodView):
    def post(self, league_id, race_id):
        """Resume a paused draft: the turn on the clock gets its full time again (owner or manager)"""
        return commissioner.resume(league_id, race_id, current_user)


@_commissioner_tool("undo", "undoPicks", f"{NOT_RUNNING}, fewer picks made than asked, or the latest pick is "
                    "not last_pick_number", UndoSchema, {"count": 1, "last_pick_number": 7})
class UndoPicks(MethodView):
    def post(self, data, league_id, race_id):
        """Undo the latest picks: their drivers return to the pool, the earliest's team is on the clock again"""
        return commissioner.undo(league_id, race_id, current_user, data["count"], data.get("last_pick_number"))


@_commissioner_tool("pick-on-behalf", "pickOnBehalf", f"{NOT_RUNNING}, paused, driver taken, or the turn "
                    "on the clock is not pick_number", OnBehalfSchema, {"driver_id": 830, "pick_number": 7})
class PickOnBehalf(MethodView):
    def post(self, data, league_id, race_id):
        """Pick a driver for the team on the clock (owner or manager)"""
        return commissioner.pick_on_behalf(league_id, race_id, current_user, data["driver_id"],
                                           data.get("pick_number"))


@_commissioner_tool("autopick", "forceAutopick", f"{NOT_RUNNING}, paused, no driver left, or the turn on "
                    "the clock is not pick_number", TurnSchema, {"pick_number": 7})
class ForceAutopick(MethodView):
    def post(self, data, league_id, race_id):
        """Autopick for the team on the clock now, as the clock would (owner or manager)"""
        return commissioner.force_autopick(league_id, race_id, current_user, data.get("pick_number"))


@_commissioner_tool("reset", "resetDraft", "The draft is not open or complete (scheduled, locked or scored)")
class ResetDraft(MethodView):
    def post(self, league_id, race_id):
        """Reset an unlocked draft to open with no picks, in the same order (owner or manager)"""
        return commissioner.reset(league_id, race_id, current_user)
