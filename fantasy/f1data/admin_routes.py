"""Admin endpoints for the F1 data: enqueue a season sync, enter or correct a classification by hand."""
from flask.views import MethodView

from fantasy.auth.tokens import current_user
from fantasy.common.api import Blueprint
from fantasy.f1data import service
from fantasy.f1data.models import SessionKind
from fantasy.f1data.schemas import ClassificationSchema, SessionResultSchema, SyncJobSchema, SyncRequestSchema

f1_admin_blp = Blueprint("f1admin", __name__, url_prefix="/api/v1/admin", description="Admin: F1 data")


@f1_admin_blp.route("/sync")
class Sync(MethodView):
    @f1_admin_blp.login_required(admin=True)
    @f1_admin_blp.arguments(SyncRequestSchema, example={"season": 2024, "round": 5})
    @f1_admin_blp.response(202, SyncJobSchema)
    @f1_admin_blp.doc(operationId="syncSeason")
    def post(self, data):
        """Queue a sync of a season (or one round) from the upstream; the same request joins a queued job"""
        return service.enqueue_sync(data["season"], data.get("round"))


@f1_admin_blp.route("/races/<id:race_id>/results/<any(race, sprint, qualifying):session>")
class RaceResultsCorrection(MethodView):
    @f1_admin_blp.login_required(admin=True)
    @f1_admin_blp.arguments(ClassificationSchema, example={"rows": [
        {"driver_id": 1, "constructor_id": 1, "position": 1, "position_text": "1", "points": 25, "grid": 1,
         "laps": 57},
        {"driver_id": 2, "constructor_id": 1, "position": 2, "position_text": "2", "points": 18, "grid": 2,
         "laps": 57}]})
    @f1_admin_blp.response(200, SessionResultSchema(many=True))
    @f1_admin_blp.alt_response(404, description="No such race")
    @f1_admin_blp.doc(operationId="correctResults")
    def put(self, data, race_id, session):
        """Replace one session's classification by hand (audit logged; scoring is notified on change)"""
        return service.correct_results(race_id, SessionKind(session), data["rows"], current_user.id)
