"""Admin endpoint of the scoring: re-score a race for every league (queued)."""
from flask.views import MethodView

from fantasy.common.api import Blueprint
from fantasy.scoring import service
from fantasy.scoring.schemas import JobSchema

scoring_admin_blp = Blueprint("scoring_admin", __name__, url_prefix="/api/v1/admin", description="Admin operations")


@scoring_admin_blp.route("/races/<id:race_id>/rescore")
class Rescore(MethodView):
    @scoring_admin_blp.login_required(admin=True)
    @scoring_admin_blp.response(202, JobSchema)
    @scoring_admin_blp.alt_response(404, description="No such race")
    @scoring_admin_blp.doc(operationId="rescoreRace")
    def post(self, race_id):
        """Re-score a race for every league (queued)"""
        return {"job_id": service.request_rescore(race_id)}
