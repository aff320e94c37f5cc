"""Response shapes for standings and team scores."""
from decimal import Decimal

from marshmallow import ValidationError, fields, validate

from fantasy.common.schemas import StrictSchema
from fantasy.f1data.schemas import DriverCardSchema
from fantasy.scoring.rules import NOT_SCORED, PRESETS


class StandingsQuerySchema(StrictSchema):
    race_id = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "One race's standings instead of the season's"})


class StandingRowSchema(StrictSchema):
    rank = fields.Integer()
    team_id = fields.Integer()
    team_name = fields.String()
    points = fields.String(metadata={"description": "Points as a decimal string, e.g. 12.50"})
    race_wins = fields.Integer()
    best_pick = fields.String(allow_none=True, metadata={"description": "The best single pick's points"})
    movement = fields.Integer(allow_none=True, metadata={"description": "Places gained since the previous race"})


class PickScoreSchema(StrictSchema):
    pick_number = fields.Integer()
    driver_id = fields.Integer()
    driver_ref = fields.String()
    driver = fields.Nested(DriverCardSchema)
    autopicked = fields.Boolean()
    points = fields.String(metadata={"description": "Points as a decimal string, e.g. 12.50"})
    breakdown = fields.Dict(keys=fields.String(), values=fields.String())


class RaceScoreSchema(StrictSchema):
    race_id = fields.Integer()
    round = fields.Integer()
    race_name = fields.String()
    points = fields.String(metadata={"description": "Points as a decimal string, e.g. 12.50"})
    picks = fields.List(fields.Nested(PickScoreSchema))


class JobSchema(StrictSchema):
    job_id = fields.String()


POINTS = validate.Range(min=-100, max=100)
POINT_LIST = validate.Length(max=30)


def _points_list():
    return fields.List(fields.Decimal(places=2, validate=POINTS, as_string=True), validate=POINT_LIST)


class CustomRulesetSchema(StrictSchema):
    """A custom ruleset (§8): every component optional, bounded, unknown keys rejected."""

    official_points = fields.Boolean(metadata={"description": "Use the upstream's championship points as they are"})
    race_points = _points_list()
    sprint_points = _points_list()
    qualifying_points = _points_list()
    race_fastest_lap = fields.Decimal(places=2, validate=POINTS, as_string=True)
    sprint_fastest_lap = fields.Decimal(places=2, validate=POINTS, as_string=True)
    race_positions_gained = fields.Decimal(places=2, validate=validate.Range(min=-10, max=10), as_string=True)
    sprint_positions_gained = fields.Decimal(places=2, validate=validate.Range(min=-10, max=10), as_string=True)
    race_not_classified = fields.Decimal(places=2, validate=POINTS, as_string=True)
    sprint_not_classified = fields.Decimal(places=2, validate=POINTS, as_string=True)
    disqualified = fields.Decimal(places=2, validate=POINTS, allow_none=True, as_string=True)
    qualifying_no_time = fields.Decimal(places=2, validate=POINTS, as_string=True)


RULESET_DESCRIPTION = (
    f"A preset name ({', '.join(PRESETS)}; default standard) or a custom ruleset object (§8). f1_fantasy_2025 is "
    "the official F1 Fantasy 2025 points table for what the F1 data carries; not in the data, so not scored: "
    f"{', '.join(NOT_SCORED['f1_fantasy_2025'])}."
)


class RulesetField(fields.Field):
    """A preset name, or a custom ruleset object validated by CustomRulesetSchema (stored as plain JSON)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"description": RULESET_DESCRIPTION})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            if value not in PRESETS:
                raise ValidationError(f"Unknown preset; one of {sorted(PRESETS)}, or a custom object")
            return value
        if not isinstance(value, dict):
            raise ValidationError("A preset name or a custom ruleset object")
        loaded = CustomRulesetSchema().load(value)
        return CustomRulesetSchema().dump(loaded)

    def _serialize(self, value, attr, obj, **kwargs):
        """A custom ruleset's points are stored as decimal strings (exact, and the key of stored scores);
        a client gets JSON numbers (§11)."""
        if isinstance(value, dict):
            return {key: _number(item) for key, item in value.items()}
        return value


def _number(value):
    if isinstance(value, list):
        return [_number(item) for item in value]
    if isinstance(value, str):
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    return value
