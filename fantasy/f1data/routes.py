"""Public read API over the real F1 data (§11): seasons, races, results, drivers, constructors, standings."""
from flask.views import MethodView

from fantasy.common.api import Blueprint
from fantasy.common.pagination import GRID_PAGE_SIZE, paginate
from fantasy.f1data import queries
from fantasy.f1data.schemas import (
    ConstructorSchema,
    DriverSchema,
    RaceSchema,
    ResultsQuerySchema,
    SeasonFilterSchema,
    SeasonSchema,
    SessionResultSchema,
    StandingSchema,
)

f1_blp = Blueprint("f1data", __name__, url_prefix="/api/v1", description="Real F1 data")
NOT_FOUND = "No such season or race"


@f1_blp.route("/seasons")
class Seasons(MethodView):
    @f1_blp.response(200, SeasonSchema(many=True))
    @f1_blp.paginate()
    @f1_blp.doc(operationId="listSeasons")
    def get(self, pagination_parameters):
        """List seasons, newest first"""
        return paginate(queries.seasons(), pagination_parameters)


@f1_blp.route("/seasons/<id:year>/races")
class SeasonRaces(MethodView):
    @f1_blp.response(200, RaceSchema(many=True))
    @f1_blp.alt_response(404, description=NOT_FOUND)
    @f1_blp.paginate(page_size=GRID_PAGE_SIZE)
    @f1_blp.doc(operationId="listSeasonRaces")
    def get(self, year, pagination_parameters):
        """List a season's races with their sessions and result states"""
        return paginate(queries.races_of_season(year), pagination_parameters)


@f1_blp.route("/seasons/<id:year>/driver-standings")
class DriverStandings(MethodView):
    @f1_blp.response(200, StandingSchema(many=True))
    @f1_blp.alt_response(404, description=NOT_FOUND)
    @f1_blp.doc(operationId="getDriverStandings")
    def get(self, year):
        """Drivers' championship from the stored official points (race and sprint)"""
        return queries.driver_standings(year)


@f1_blp.route("/races/<id:race_id>")
class RaceById(MethodView):
    @f1_blp.response(200, RaceSchema)
    @f1_blp.alt_response(404, description=NOT_FOUND)
    @f1_blp.doc(operationId="getRace")
    def get(self, race_id):
        """One race with its sessions and result states"""
        return queries.get_race(race_id)


@f1_blp.route("/races/<id:race_id>/results")
class RaceResults(MethodView):
    @f1_blp.arguments(ResultsQuerySchema, location="query", as_kwargs=True)
    @f1_blp.response(200, SessionResultSchema(many=True))
    @f1_blp.alt_response(404, description=NOT_FOUND)
    @f1_blp.paginate(page_size=GRID_PAGE_SIZE)
    @f1_blp.doc(operationId="getRaceResults")
    def get(self, race_id, session, pagination_parameters):
        """One session's classification of a race, in finishing order"""
        return paginate(queries.results(race_id, session), pagination_parameters)


@f1_blp.route("/drivers")
class Drivers(MethodView):
    @f1_blp.arguments(SeasonFilterSchema, location="query", as_kwargs=True)
    @f1_blp.response(200, DriverSchema(many=True))
    @f1_blp.paginate(page_size=GRID_PAGE_SIZE)
    @f1_blp.doc(operationId="listDrivers")
    def get(self, pagination_parameters, season=None):
        """List drivers, optionally those of one season"""
        return paginate(queries.drivers(season), pagination_parameters)


@f1_blp.route("/constructors")
class Constructors(MethodView):
    @f1_blp.arguments(SeasonFilterSchema, location="query", as_kwargs=True)
    @f1_blp.response(200, ConstructorSchema(many=True))
    @f1_blp.paginate(page_size=GRID_PAGE_SIZE)
    @f1_blp.doc(operationId="listConstructors")
    def get(self, pagination_parameters, season=None):
        """List constructors (real F1 teams), optionally those of one season"""
        return paginate(queries.constructors(season), pagination_parameters)
