"""Shapes of the market: the opening price list (import), and the read side's assets, scores and prices."""
from decimal import Decimal

from marshmallow import ValidationError, fields, validate

from fantasy.common.schemas import Number, StrictSchema, Text
from fantasy.market.rules import FLOOR, PRESET, TENTH
from fantasy.scoring.models import CONSTRUCTOR, DRIVER
from fantasy.scoring.rules import PRESETS

KIND = fields.String(validate=validate.OneOf([DRIVER, CONSTRUCTOR]),
                     metadata={"description": "Only drivers or only constructors"})
MOST = Decimal("99.9")


def _price(value: Decimal) -> None:
    if not FLOOR <= value <= MOST:
        raise ValidationError(f"Prices are from {FLOOR} to {MOST}.")
    if value != value.quantize(TENTH):
        raise ValidationError("Prices are in 0.1 steps.")


def _price_list(most: int):
    return fields.Dict(
        keys=Text(max_length=64, min_length=1), required=True, validate=validate.Length(min=1, max=most),
        # Range checked by _price: apispec would write a Range's Decimal bounds as strings.
        values=fields.Decimal(validate=_price, metadata={"minimum": float(FLOOR), "maximum": float(MOST)}),
        metadata={"description": "Upstream ref (driverId / constructorId) -> price in millions"},
    )


class OpeningPricesSchema(StrictSchema):
    """A season's opening price list, the format of fantasy/market/data/2023-opening.json."""

    season = fields.Integer(strict=True, required=True, validate=validate.Range(min=1950, max=2100))
    round = fields.Integer(strict=True, load_default=1, validate=validate.Equal(1, error="Only opening (round 1) "
                                                                                             "prices are imported."))
    unit = fields.String(load_default="millions", validate=validate.Equal("millions"))
    note = Text(max_length=500, load_default=None)
    drivers = _price_list(60)
    constructors = _price_list(30)


class OpeningSummarySchema(StrictSchema):
    season = fields.Integer()
    round = fields.Integer()
    source = fields.String(metadata={"description": "imported, bundled, or derived from <previous season>"})
    stored = fields.Boolean(metadata={"description": "False when the same prices were stored already"})
    drivers = fields.Integer()
    constructors = fields.Integer()


def _ruleset_key(value: str) -> None:
    if value not in PRESETS and not (value.startswith("custom-") and len(value) == 39):
        raise ValidationError(f"A preset ({', '.join(PRESETS)}) or a custom ruleset's key (custom-...).")


class AssetScoresQuerySchema(StrictSchema):
    ruleset = fields.String(load_default=PRESET, validate=[validate.Length(max=64), _ruleset_key],
                            metadata={"description": f"Preset name or custom ruleset key (default {PRESET})"})
    kind = KIND


class PricesQuerySchema(StrictSchema):
    kind = KIND


class AssetSchema(StrictSchema):
    kind = fields.String(metadata={"description": "driver or constructor"})
    id = fields.Integer()
    ref = fields.String(metadata={"description": "The upstream driverId / constructorId"})
    name = fields.String(metadata={"description": "Full name of the driver, or the constructor's name"})
    code = fields.String(allow_none=True, metadata={"description": "A driver's three-letter code"})


class AssetScoreSchema(StrictSchema):
    asset = fields.Nested(AssetSchema)
    points = Number(metadata={"description": "The asset's points in the race, e.g. 25.0 or 12.5"})
    breakdown = fields.Dict(keys=fields.String(), values=Number(),
                            metadata={"description": "Line items, e.g. race_position: 25.0"})


class RoundPriceSchema(StrictSchema):
    asset = fields.Nested(AssetSchema)
    price = Number(metadata={"description": "Millions, in 0.1 steps, e.g. 23.7"})
    previous_price = Number(allow_none=True, metadata={"description": "The previous round's (none in round 1)"})
    change = Number(allow_none=True, metadata={"description": "price - previous_price, e.g. -0.6"})


class MarketRoundSchema(StrictSchema):
    round = fields.Integer()
    race_id = fields.Integer()
    race_name = fields.String()
    price = Number(allow_none=True, metadata={"description": "Millions (none before the round is priced)"})
    change = Number(allow_none=True, metadata={"description": "Since the previous round's price"})
    points = Number(allow_none=True, metadata={"description": f"{PRESET} points of the round (none when "
                                                             "not scored or the asset did not take part)"})
    breakdown = fields.Dict(keys=fields.String(), values=Number(), allow_none=True,
                            metadata={"description": "Line items, e.g. race_position: 25.0"})


class AssetHistorySchema(StrictSchema):
    asset = fields.Nested(AssetSchema)
    season = fields.Integer()
    rounds = fields.List(fields.Nested(MarketRoundSchema), metadata={
        "description": "Rounds priced or scored, in order: one page of them (page, page_size; X-Pagination counts "
                       "rounds; the default page holds a whole season)"})
