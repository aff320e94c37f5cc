"""The market's HTTP API: asset points of a race, prices of a round, an asset's season; the admin price import."""
from flask.views import MethodView

from fantasy.common.api import Blueprint
from fantasy.market import reads, service
from fantasy.market.schemas import (
    AssetHistorySchema,
    AssetScoreSchema,
    AssetScoresQuerySchema,
    OpeningPricesSchema,
    OpeningSummarySchema,
    PricesQuerySchema,
    RoundPriceSchema,
)
from fantasy.scoring.models import CONSTRUCTOR, DRIVER

market_blp = Blueprint("market", __name__, url_prefix="/api/v1", description="The market: asset points and prices")
market_admin_blp = Blueprint("market_admin", __name__, url_prefix="/api/v1/admin", description="Admin: prices")
# A race's drivers and constructors, or a round's prices, fit on the first page.
GRID = {"page_size": 50}
OPENING_EXAMPLE = {"season": 2023, "round": 1, "unit": "millions",
                   "drivers": {"max_verstappen": 28.0, "leclerc": 25.8}, "constructors": {"red_bull": 28.0}}


def _page(rows: list, pagination_parameters) -> list:
    pagination_parameters.item_count = len(rows)
    first = pagination_parameters.first_item
    return rows[first:first + pagination_parameters.page_size]


@market_blp.route("/races/<id:race_id>/asset-scores")
class RaceAssetScores(MethodView):
    @market_blp.arguments(AssetScoresQuerySchema, location="query")
    @market_blp.response(200, AssetScoreSchema(many=True))
    @market_blp.alt_response(404, description="No such race")
    @market_blp.paginate(**GRID)
    @market_blp.doc(operationId="listRaceAssetScores")
    def get(self, args, race_id, pagination_parameters):
        """A race's points per driver and constructor under a ruleset (default f1_fantasy_2025), best first;
        empty until the race is scored under it"""
        return _page(reads.race_scores(race_id, args["ruleset"], args.get("kind")), pagination_parameters)


@market_blp.route("/seasons/<id:year>/rounds/<id:round>/prices")
class RoundPrices(MethodView):
    @market_blp.arguments(PricesQuerySchema, location="query")
    @market_blp.response(200, RoundPriceSchema(many=True))
    @market_blp.alt_response(404, description="No prices stored for this round (yet)")
    @market_blp.paginate(**GRID)
    @market_blp.doc(operationId="listRoundPrices")
    def get(self, args, year, round, pagination_parameters):  # noqa: A002  (the documented path parameter)
        """A round's prices, dearest first, with the change since the previous round"""
        return _page(reads.round_prices(year, round, args.get("kind")), pagination_parameters)


@market_blp.route("/seasons/<id:year>/drivers/<id:driver_id>/market")
class DriverMarket(MethodView):
    @market_blp.response(200, AssetHistorySchema)
    @market_blp.alt_response(404, description="No such driver, or no price or points of it in this season")
    @market_blp.doc(operationId="getDriverMarket")
    def get(self, year, driver_id):
        """A driver's season: price, change and f1_fantasy_2025 points round by round"""
        return reads.history(year, DRIVER, driver_id)


@market_blp.route("/seasons/<id:year>/constructors/<id:constructor_id>/market")
class ConstructorMarket(MethodView):
    @market_blp.response(200, AssetHistorySchema)
    @market_blp.alt_response(404, description="No such constructor, or no price or points of it in this season")
    @market_blp.doc(operationId="getConstructorMarket")
    def get(self, year, constructor_id):
        """A constructor's season: price, change and f1_fantasy_2025 points round by round"""
        return reads.history(year, CONSTRUCTOR, constructor_id)


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
