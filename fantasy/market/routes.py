"""The market's HTTP API: asset points of a race, prices of a round, an asset's season (the admin price
import: admin_routes.py)."""
from flask.views import MethodView

from fantasy.common.api import Blueprint
from fantasy.common.pagination import GRID_PAGE_SIZE, json_page
from fantasy.market import reads
from fantasy.market.schemas import (
    AssetHistorySchema,
    AssetScoreSchema,
    AssetScoresQuerySchema,
    PricesQuerySchema,
    RoundPriceSchema,
)
from fantasy.scoring.models import CONSTRUCTOR, DRIVER

market_blp = Blueprint("market", __name__, url_prefix="/api/v1", description="The market: asset points and prices")
# A race's drivers and constructors, or a round's prices, fit on the first page.
GRID = {"page_size": 50}


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
        return json_page(reads.race_score_texts(race_id, args["ruleset"], args.get("kind")), pagination_parameters)


@market_blp.route("/seasons/<id:year>/rounds/<id:round>/prices")
class RoundPrices(MethodView):
    @market_blp.arguments(PricesQuerySchema, location="query")
    @market_blp.response(200, RoundPriceSchema(many=True))
    @market_blp.alt_response(404, description="No prices stored for this round (yet)")
    @market_blp.paginate(**GRID)
    @market_blp.doc(operationId="listRoundPrices")
    def get(self, args, year, round, pagination_parameters):  # noqa: A002  (the documented path parameter)
        """A round's prices, dearest first, with the change since the previous round"""
        return json_page(reads.round_price_texts(year, round, args.get("kind")), pagination_parameters)


def _asset_market(kind: str, title: str) -> type[MethodView]:
    """The view of a driver's or a constructor's season (one read; each keeps its path, path parameter name
    and operation id)."""

    @market_blp.response(200, AssetHistorySchema)
    @market_blp.alt_response(404, description=f"No such {kind}, or no price or points of it in this season")
    @market_blp.paginate(page_size=GRID_PAGE_SIZE)
    @market_blp.doc(operationId=f"get{title}Market",
                    summary=f"A {kind}'s season: price, change and f1_fantasy_2025 points round by round",
                    description="`rounds` is paginated (X-Pagination counts rounds); the default page holds a "
                                "whole season.")
    def get(self, year, pagination_parameters, **asset):
        head, rounds = reads.history_texts(year, kind, asset[f"{kind}_id"])
        return json_page(rounds, pagination_parameters, within=(head, "rounds"))

    return type(f"{title}Market", (MethodView,), {"get": get})


market_blp.route("/seasons/<id:year>/drivers/<id:driver_id>/market")(_asset_market(DRIVER, "Driver"))
market_blp.route("/seasons/<id:year>/constructors/<id:constructor_id>/market")(_asset_market(CONSTRUCTOR,
                                                                                            "Constructor"))
