"""Response shapes for standings and team scores."""
from marshmallow import ValidationError, fields, validate

from fantasy.common.schemas import Number, StrictSchema, json_number
from fantasy.f1data.schemas import DriverCardSchema
from fantasy.market.schemas import AssetSchema
from fantasy.scoring.rules import NOT_SCORED, PRESETS


class StandingsQuerySchema(StrictSchema):
    race_id = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "One race's standings instead of the season's"})


class StandingRowSchema(StrictSchema):
    rank = fields.Integer()
    team_id = fields.Integer()
    team_name = fields.String()
    points = Number(metadata={"description": "Season (or the race's) points, e.g. 257.0 or 12.5"})
    race_wins = fields.Integer(metadata={"description": "Races (salary cap: rounds) where the team had the league's "
                                                   "best score; teams level at the top each get one"})
    best_pick = Number(allow_none=True, metadata={
        "description": "The best single pick's points (salary cap: the best asset's counted points in a round)"})
    movement = fields.Integer(allow_none=True, metadata={"description": "Places gained since the previous race"})


class PickScoreSchema(StrictSchema):
    pick_number = fields.Integer()
    driver_id = fields.Integer()
    driver_ref = fields.String()
    driver = fields.Nested(DriverCardSchema)
    autopicked = fields.Boolean()
    points = Number(metadata={"description": "The pick's points, e.g. 25.0 or 12.5"})
    breakdown = fields.Dict(keys=fields.String(), values=Number(), metadata={
        "description": "Line items (points each), e.g. race_position: 25.0; did_not_take_part: 0.0 for a driver in "
                       "none of the weekend's classifications"})


class RaceScoreSchema(StrictSchema):
    race_id = fields.Integer()
    round = fields.Integer()
    race_name = fields.String()
    points = Number(metadata={"description": "The team's points in the race: the sum of its picks'"})
    picks = fields.List(fields.Nested(PickScoreSchema))


class LineupAssetScoreSchema(StrictSchema):
    asset = fields.Nested(AssetSchema)
    multiplier = fields.Integer(metadata={"description": "1; 2 for the boost driver; 3 for the extra_boost driver"})
    boost = fields.String(allow_none=True, metadata={"description": "boost, extra_boost or null"})
    base_points = Number(metadata={"description": "The asset's counted points before the multiplier"})
    points = Number(metadata={"description": "base_points x multiplier"})
    breakdown = fields.Dict(keys=fields.String(), values=Number(), metadata={
        "description": "Line items as counted (under no_negative a negative item shows 0.0); "
                       "did_not_take_part: 0.0 for an asset in none of the weekend's classifications"})


class TeamRoundSchema(StrictSchema):
    """A salary-cap team's scored round: its locked lineup's assets, chip and transfer penalty (§13)."""

    race_id = fields.Integer()
    round = fields.Integer()
    race_name = fields.String()
    chip = fields.String(allow_none=True, metadata={
        "description": "extra_boost, wildcard, limitless, no_negative, autopilot or null"})
    transfers = fields.Integer(metadata={"description": "Net transfers made for this round"})
    free_transfers = fields.Integer(metadata={"description": "Free transfers this round had"})
    penalty = fields.Integer(metadata={"description": "Points deducted for paid transfers (10 each)"})
    points = Number(metadata={"description": "The round: sum of the assets' points minus the penalty"})
    assets = fields.List(fields.Nested(LineupAssetScoreSchema))


class JobSchema(StrictSchema):
    job_id = fields.String()


class RulesetValue(fields.Decimal):
    """A custom ruleset's value, -bound..bound in 0.01 steps: kept as exact decimal text (stored scores are keyed
    by the ruleset), sent and answered as a JSON number (RulesetField). Its bounds are documented as numbers:
    apispec would write them through the field, as text."""

    def __init__(self, bound: int = 100, **kwargs):
        super().__init__(places=2, validate=validate.Range(min=-bound, max=bound), as_string=True, **kwargs)
        self.bound = bound

    def openapi(self, converter) -> dict:
        return {"minimum": -self.bound, "maximum": self.bound}


def _points_list():
    return fields.List(RulesetValue(), validate=validate.Length(max=30))


class CustomRulesetSchema(StrictSchema):
    """A custom ruleset (§8): every component optional, bounded, unknown keys rejected."""

    official_points = fields.Boolean(metadata={"description": "Use the upstream's championship points as they are"})
    race_points = _points_list()
    sprint_points = _points_list()
    qualifying_points = _points_list()
    race_fastest_lap = RulesetValue()
    sprint_fastest_lap = RulesetValue()
    race_positions_gained = RulesetValue(bound=10)
    sprint_positions_gained = RulesetValue(bound=10)
    race_not_classified = RulesetValue()
    sprint_not_classified = RulesetValue()
    disqualified = RulesetValue(allow_none=True)
    qualifying_no_time = RulesetValue()


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

    @staticmethod
    def openapi(converter) -> dict:
        """Documented as what it holds (extensions.field_documents_itself): a preset's name or a CustomRuleset."""
        preset = {"type": "string", "enum": list(PRESETS)}
        return {"oneOf": [preset, converter.resolve_nested_schema(CustomRulesetSchema)]}

    def _serialize(self, value, attr, obj, **kwargs):
        """A custom ruleset's points are stored as decimal strings (exact, and the key of stored scores);
        a client gets JSON numbers (§11): 10.0, 2.5."""
        if isinstance(value, dict):
            return {key: _number(item) for key, item in value.items()}
        return value


def _number(value):
    if isinstance(value, list):
        return [_number(item) for item in value]
    return json_number(value) if isinstance(value, str) else value
