"""Request and response shapes of salary-cap lineups, chips and round locks (§13)."""
from marshmallow import ValidationError, fields, validate

from fantasy.common.schemas import Id, Number, StrictSchema
from fantasy.f1data.schemas import DriverCardSchema
from fantasy.lineups.models import Chip

CHIPS = [chip.value for chip in Chip]
MONEY = "Millions at the round's prices (none while the round has no prices stored)"


def _distinct(message: str):
    def check(ids: list[int]) -> None:
        if len(set(ids)) != len(ids):
            raise ValidationError(message)
    return check


class ChipField(fields.Field):
    """One chip or none: a list of chips is refused by name (one per round)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            raise ValidationError("One chip per round.")
        if not isinstance(value, str) or value not in CHIPS:
            raise ValidationError(f"One of: {', '.join(CHIPS)}.")
        return value


class LineupRequestSchema(StrictSchema):
    """The whole lineup: what is left out is not kept (no chip sent = no chip)."""

    driver_ids = fields.List(Id(), required=True, validate=[
        validate.Length(equal=5, error="A lineup has exactly 5 drivers."), _distinct("Each driver at most once.")])
    constructor_ids = fields.List(Id(), required=True, validate=[
        validate.Length(equal=2, error="A lineup has exactly 2 constructors."),
        _distinct("Each constructor at most once.")])
    boost_driver_id = Id(allow_none=True, load_default=None, metadata={
        "description": "Scores 2×; one of driver_ids. None: the most expensive driver gets it at lock"})
    chip = ChipField(allow_none=True, load_default=None, metadata={
        "type": "string", "nullable": True, "enum": CHIPS,
        "description": "At most one per round, each once a season; wildcard and limitless from the team's "
                       "second round. Send none (or leave it out) to cancel a chip before the lock"})
    extra_boost_driver_id = Id(allow_none=True, load_default=None, metadata={
        "description": "With chip extra_boost only: another of driver_ids, scoring 3×"})


class LineupDriverSchema(DriverCardSchema):
    price = Number(allow_none=True, metadata={"description": MONEY})
    multiplier = fields.Integer(metadata={"description": "1, 2 (boost) or 3 (extra_boost)"})


class LineupConstructorSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    price = Number(allow_none=True, metadata={"description": MONEY})


class LineupSchema(StrictSchema):
    league_id = fields.Integer()
    team_id = fields.Integer()
    team_name = fields.String()
    race_id = fields.Integer()
    round = fields.Integer()
    race_name = fields.String()
    state = fields.String(metadata={"enum": ["open", "upcoming", "locked"], "description": (
        "open: the round whose lineups can change now; upcoming: a later round (it carries the open round's "
        "lineup over); locked: final")})
    locks_at = fields.DateTime(allow_none=True, metadata={"description": "Live leagues: when the round locks "
                                                                         "(replay: a manager locks it)"})
    locked_at = fields.DateTime(allow_none=True)
    carried_over = fields.Boolean(metadata={"description": "Not set for this round: the lineup it carries over"})
    first_lineup = fields.Boolean(metadata={"description": "The team's first lineup: its transfers are free"})
    drivers = fields.List(fields.Nested(LineupDriverSchema))
    constructors = fields.List(fields.Nested(LineupConstructorSchema))
    boost_driver_id = fields.Integer(allow_none=True)
    extra_boost_driver_id = fields.Integer(allow_none=True)
    chip = fields.String(allow_none=True, metadata={"enum": CHIPS})
    budget = Number(metadata={"description": "The league's starting bank"})
    cost = Number(allow_none=True, metadata={"description": f"The lineup's price. {MONEY}"})
    bank = Number(allow_none=True, metadata={"description": "Left after this lineup's purchases and sales"})
    team_value = Number(allow_none=True, metadata={"description": "bank + cost"})
    transfers = fields.Integer(metadata={"description": "Assets bought since the previous lineup, counted net"})
    free_transfers = fields.Integer(metadata={"description": "Free this round: 2, +1 carried if one went unused "
                                                             "(at most 3)"})
    penalty = fields.Integer(metadata={"description": "Points the transfers cost: 10 for each beyond the free "
                                                      "ones (none for a first lineup, wildcard or limitless); at "
                                                      "lock, final"})


class ChipStateSchema(StrictSchema):
    chip = fields.String(metadata={"enum": CHIPS})
    used_round = fields.Integer(allow_none=True, metadata={"description": "The round it was played (locked)"})
    chosen = fields.Boolean(metadata={"description": "Chosen for the open round (your own team only)"})
    available = fields.Boolean(metadata={"description": "Can be chosen for the open round now"})


class ChipsSchema(StrictSchema):
    team_id = fields.Integer()
    open_round = fields.Integer(allow_none=True)
    chips = fields.List(fields.Nested(ChipStateSchema))


class RoundLockSchema(StrictSchema):
    league_id = fields.Integer()
    race_id = fields.Integer()
    round = fields.Integer()
    locked_at = fields.DateTime()
    lineups = fields.Integer(metadata={"description": "Teams with a locked lineup this round"})
