"""Admin endpoint of the market: import a season's opening prices."""
from flask.views import MethodView

from fantasy.common.api import Blueprint
from fantasy.market import service
from fantasy.market.schemas import OpeningPricesSchema, OpeningSummarySchema

market_admin_blp = Blueprint("market_admin", __name__, url_prefix="/api/v1/admin", description="Admin: prices")
OPENING_EXAMPLE = {"season": 2023, "round": 1, "unit": "millions",
                   "drivers": {"max_verstappen": 28.0, "leclerc": 25.8}, "constructors": {"red_bull": 28.0}}


@market_admin_blp.route("/prices")
class OpeningPrices(MethodView):
    @market_admin_blp.login_required(admin=True)
    @market_admin_blp.arguments(OpeningPricesSchema, example=OPENING_EXAMPLE)
    @market_admin_blp.response(200, OpeningSummarySchema)
    @market_admin_blp.alt_response(404, description="No such season")
    @market_admin_blp.alt_response(409, description="Different opening prices are stored already")
    @market_admin_blp.doc(operationId="importOpeningPrices")
    def post(self, data):
        """Import a season's opening prices (the bundled list's format); the same list again changes nothing"""
        return service.import_opening(data)
