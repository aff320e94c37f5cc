"""Request and response shapes of the F1 data API."""
from marshmallow import ValidationError, fields, validate, validates_schema

from fantasy.common.schemas import MAX_ID, Id, Number, StrictSchema
from fantasy.f1data.models import RaceStatus, ResultLifecycle, ResultSource, SessionKind

YEAR = validate.Range(min=1950, max=2100)
POINTS = Number(dump_only=True, allow_none=True, metadata={
    "example": 25.0, "description": "Official championship points, e.g. 25.0 or 0.5 (none on a hand-entered row "
                                    "without them)"})


class SeasonSchema(StrictSchema):
    year = fields.Integer(dump_only=True)
    url = fields.String(dump_only=True, allow_none=True)


def _ref(upstream_key: str):
    return fields.String(dump_only=True, metadata={"description": f"The upstream {upstream_key}"})


class CircuitSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    ref = _ref("circuitId")
    name = fields.String(dump_only=True)
    locality = fields.String(dump_only=True, allow_none=True)
    country = fields.String(dump_only=True, allow_none=True)


class DriverSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    ref = _ref("driverId")
    code = fields.String(dump_only=True, allow_none=True)
    permanent_number = fields.Integer(dump_only=True, allow_none=True)
    given_name = fields.String(dump_only=True)
    family_name = fields.String(dump_only=True)
    date_of_birth = fields.Date(dump_only=True, allow_none=True)
    nationality = fields.String(dump_only=True, allow_none=True)


class ConstructorSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    ref = _ref("constructorId")
    name = fields.String(dump_only=True)
    nationality = fields.String(dump_only=True, allow_none=True)


class ConstructorCardSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)


class DriverCardSchema(StrictSchema):
    """A driver as a client shows one: enough to render without asking /drivers."""

    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True, allow_none=True, metadata={"example": "VER"})
    name = fields.String(dump_only=True, metadata={"example": "Max Verstappen"})
    constructor = fields.Nested(ConstructorCardSchema, dump_only=True, allow_none=True, metadata={
        "description": "The team of the driver's latest classification up to this race (none before any)"})


class RaceSessionSchema(StrictSchema):
    kind = fields.String(dump_only=True, metadata={"description": "The calendar's key, e.g. FirstPractice"})
    starts_at = fields.AwareDateTime(dump_only=True)


class ResultStateSchema(StrictSchema):
    session = fields.Enum(SessionKind, dump_only=True)
    state = fields.Enum(ResultLifecycle, dump_only=True)
    source = fields.Enum(ResultSource, dump_only=True)
    fetched_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    changed_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class RaceSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    season = fields.Integer(dump_only=True, attribute="season_year")
    round = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    starts_at = fields.AwareDateTime(dump_only=True, metadata={"description": "Grand Prix start (UTC)"})
    status = fields.Enum(RaceStatus, dump_only=True)
    circuit = fields.Nested(CircuitSchema, dump_only=True)
    sessions = fields.List(fields.Nested(RaceSessionSchema), dump_only=True)
    result_states = fields.List(fields.Nested(ResultStateSchema), dump_only=True)


class SessionResultSchema(StrictSchema):
    driver = fields.Nested(DriverSchema, dump_only=True)
    constructor = fields.Nested(ConstructorSchema, dump_only=True)
    number = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "Car number that weekend"})
    position = fields.Integer(dump_only=True, allow_none=True)
    position_text = fields.String(dump_only=True, allow_none=True)
    classified = fields.Boolean(dump_only=True)
    status = fields.String(dump_only=True, allow_none=True)
    grid = fields.Integer(dump_only=True, allow_none=True)
    laps = fields.Integer(dump_only=True, allow_none=True)
    points = POINTS
    fastest_lap_rank = fields.Integer(dump_only=True, allow_none=True)
    time_ms = fields.Integer(dump_only=True, allow_none=True)
    q1_ms = fields.Integer(dump_only=True, allow_none=True)
    q2_ms = fields.Integer(dump_only=True, allow_none=True)
    q3_ms = fields.Integer(dump_only=True, allow_none=True)


class StandingSchema(StrictSchema):
    position = fields.Integer(dump_only=True)
    driver = fields.Nested(DriverSchema, dump_only=True)
    points = POINTS
    wins = fields.Integer(dump_only=True)


class SeasonFilterSchema(StrictSchema):
    season = fields.Integer(validate=YEAR, metadata={"description": "Only those the upstream lists this season"})


class ResultsQuerySchema(StrictSchema):
    session = fields.Enum(SessionKind, load_default=SessionKind.race)


# --- admin -----------------------------------------------------------------------------------------

class SyncRequestSchema(StrictSchema):
    season = fields.Integer(required=True, validate=YEAR)
    round = fields.Integer(validate=validate.Range(min=1, max=40))


class SyncJobSchema(StrictSchema):
    job_id = fields.String(dump_only=True)
    status = fields.String(dump_only=True)


def _count(minimum=0):
    # Capped at the integer columns' range: a larger number would overflow the insert (a 500), not be a 422.
    return fields.Integer(allow_none=True, validate=validate.Range(min=minimum, max=MAX_ID))


class ResultRowSchema(StrictSchema):
    driver_id = Id(required=True)
    constructor_id = Id(required=True)
    number = _count()
    position = fields.Integer(required=True, validate=validate.Range(min=1, max=99))
    position_text = fields.String(
        allow_none=True, validate=validate.Regexp(r"^([1-9][0-9]?|[RDEWFN])$", error="A position, or R D E W F N"),
        metadata={"description": "A number when classified; R retired, D disqualified, E excluded, "
                                 "W withdrawn, F failed to qualify, N not classified"})
    status = fields.String(allow_none=True, validate=validate.Length(min=1, max=60))
    grid = _count()
    laps = _count()
    # apispec renders a Decimal's range bounds as strings ("0.00"), which no JSON Schema validator accepts.
    points = fields.Decimal(allow_none=True, places=2, allow_nan=False, validate=validate.Range(min=0, max=100),
                            metadata={"minimum": 0, "maximum": 100})
    fastest_lap_rank = _count(1)
    time_ms = _count(1)
    q1_ms = _count(1)
    q2_ms = _count(1)
    q3_ms = _count(1)


class ClassificationSchema(StrictSchema):
    rows = fields.List(fields.Nested(ResultRowSchema), required=True, validate=validate.Length(min=1, max=40))

    @validates_schema
    def unique_drivers_and_positions(self, data, **kwargs):
        for name in ("driver_id", "position"):
            values = [row[name] for row in data.get("rows", [])]
            if len(values) != len(set(values)):
                raise ValidationError(f"Each {name} may appear only once", field_name="rows")
