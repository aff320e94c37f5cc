"""Response shapes for standings and team scores."""
from marshmallow import fields, validate

from fantasy.common.schemas import StrictSchema


class StandingsQuerySchema(StrictSchema):
    race_id = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "One race's standings instead of the season's"})


class StandingRowSchema(StrictSchema):
    rank = fields.Integer()
    team_id = fields.Integer()
    team_name = fields.String()
    points = fields.Decimal(as_string=True)
    race_wins = fields.Integer()
    best_pick = fields.Decimal(as_string=True, allow_none=True)
    movement = fields.Integer(allow_none=True, metadata={"description": "Places gained since the previous race"})


class PickScoreSchema(StrictSchema):
    pick_number = fields.Integer()
    driver_id = fields.Integer()
    driver_ref = fields.String()
    autopicked = fields.Boolean()
    points = fields.Decimal(as_string=True)
    breakdown = fields.Dict(keys=fields.String(), values=fields.String())


class RaceScoreSchema(StrictSchema):
    race_id = fields.Integer()
    round = fields.Integer()
    race_name = fields.String()
    points = fields.Decimal(as_string=True)
    picks = fields.List(fields.Nested(PickScoreSchema))


class JobSchema(StrictSchema):
    job_id = fields.String()
