"""Shapes for notifications (each kind's data included) and stream tickets."""
from marshmallow import fields

from fantasy.common.schemas import Number, StrictSchema
from fantasy.market.schemas import AssetSchema


class NotificationQuerySchema(StrictSchema):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only unread notifications"})


class NoticeDataSchema(StrictSchema):
    """A notification's data: every key is always there (null only where a field allows it)."""

    def on_bind_field(self, field_name, field_obj):
        field_obj.required = True


class LeagueNoticeDataSchema(NoticeDataSchema):
    league_name = fields.String()


class MemberJoinedDataSchema(LeagueNoticeDataSchema):
    team_name = fields.String(metadata={"description": "The team the new member plays with"})


class MemberLeftDataSchema(LeagueNoticeDataSchema):
    user_id = fields.Integer(metadata={"description": "Who left, or was removed"})
    team_id = fields.Integer()


class RoleChangedDataSchema(LeagueNoticeDataSchema):
    user_id = fields.Integer()
    role = fields.String(metadata={"description": "The member's new role: manager or member"})


class OwnershipTransferredDataSchema(LeagueNoticeDataSchema):
    from_user_id = fields.Integer()
    to_user_id = fields.Integer()


class RaceNoticeDataSchema(LeagueNoticeDataSchema):
    race_id = fields.Integer()


class DraftCompleteDataSchema(RaceNoticeDataSchema):
    draft_id = fields.Integer()


class DraftOpenDataSchema(DraftCompleteDataSchema):
    order = fields.List(fields.Integer(), metadata={"description": "Team ids in first-round pick order"})


class OrderChangedDataSchema(RaceNoticeDataSchema):
    order = fields.List(fields.Integer(), metadata={"description": "Team ids in the new first-round order"})


class DraftLockedDataSchema(RaceNoticeDataSchema):
    autopicked = fields.Integer(metadata={"description": "Empty slots the lock filled"})


class DraftToolDataSchema(DraftCompleteDataSchema):
    """A manager's draft tool (draft_paused, draft_resumed), and who is on the clock after it."""

    race_name = fields.String()
    by_user_id = fields.Integer()
    by_username = fields.String()
    pick_number = fields.Integer(allow_none=True, metadata={"description": "On the clock now; null once complete"})
    on_the_clock = fields.Integer(allow_none=True, metadata={"description": "The team on the clock"})
    on_the_clock_name = fields.String(allow_none=True)


class ToolPickSchema(NoticeDataSchema):
    pick_number = fields.Integer()
    team_id = fields.Integer()
    team_name = fields.String()
    driver_id = fields.Integer()
    driver_name = fields.String()


class PicksUndoneDataSchema(DraftToolDataSchema):
    picks = fields.List(fields.Nested(ToolPickSchema), metadata={"description": "The picks taken back, in order"})


class PickedByManagerDataSchema(DraftToolDataSchema):
    """picked_on_behalf and autopick_forced: the pick the manager made for the team on the clock."""

    pick = fields.Nested(ToolPickSchema)


class DraftResetDataSchema(DraftToolDataSchema):
    picks_removed = fields.Integer()


class NextTurnSchema(NoticeDataSchema):
    team_id = fields.Integer()
    team_name = fields.String()
    pick_number = fields.Integer()
    pick_deadline = fields.DateTime(allow_none=True, metadata={"description": "Null when the league has no clock"})


class YourTurnDataSchema(NextTurnSchema):
    league_name = fields.String()
    draft_id = fields.Integer()


class NamedConstructorSchema(NoticeDataSchema):
    id = fields.Integer()
    name = fields.String()


class NamedDriverSchema(NoticeDataSchema):
    id = fields.Integer()
    code = fields.String(allow_none=True)
    name = fields.String()


class DriverCardDataSchema(NamedDriverSchema):
    """A driver card (as the draft state names drivers) inside a notice."""

    constructor = fields.Nested(NamedConstructorSchema, allow_none=True, metadata={
        "description": "The team of the driver's latest classification up to the race (none before any)"})


class AutopickedDataSchema(NoticeDataSchema):
    league_name = fields.String()
    pick_number = fields.Integer()
    team_id = fields.Integer()
    driver_id = fields.Integer()
    driver = fields.Nested(DriverCardDataSchema, metadata={"description": "The driver picked for the team, named"})
    autopicked = fields.Boolean()
    next = fields.Nested(NextTurnSchema, allow_none=True, metadata={
        "description": "The turn the pick put on the clock; null once the draft is complete"})


class RaceScoredDataSchema(LeagueNoticeDataSchema):
    """race_scored and scores_corrected: the team's figures after the race (a correction: as corrected)."""

    race_name = fields.String()
    season = fields.Integer()
    round = fields.Integer()
    team_id = fields.Integer()
    team_name = fields.String()
    round_points = Number(metadata={"description": "The team's points in the race"})
    season_points = Number()
    rank = fields.Integer(metadata={"description": "The team's season rank now"})
    previous_rank = fields.Integer(allow_none=True, metadata={
        "description": "Its season rank after the league's previous scored race; null for the first"})


class PriceChangeSchema(NoticeDataSchema):
    asset = fields.Nested(AssetSchema)
    previous_price = Number(metadata={"description": "Millions"})
    price = Number()
    change = Number()


class PricesChangedDataSchema(LeagueNoticeDataSchema):
    """The prices of the round a salary-cap team plays next, for each asset it holds whose price moved."""

    team_id = fields.Integer()
    team_name = fields.String()
    season = fields.Integer()
    round = fields.Integer(metadata={"description": "The round the new prices are for"})
    race_name = fields.String()
    assets = fields.List(fields.Nested(PriceChangeSchema))
    value_change = Number(metadata={"description": "The held assets' change in value, in millions"})


class LockedDriverSchema(NamedDriverSchema):
    price = Number()
    multiplier = fields.Integer(metadata={"description": "1; 2 for the boost driver; 3 for the extra_boost driver"})


class LockedConstructorSchema(NamedConstructorSchema):
    price = Number()


class LineupLockedDataSchema(LeagueNoticeDataSchema):
    """A salary-cap team's lineup as its round locked, with prices, bank, transfers and penalty."""

    team_id = fields.Integer()
    team_name = fields.String()
    round = fields.Integer()
    race_name = fields.String()
    chip = fields.String(allow_none=True)
    boost_driver_id = fields.Integer(allow_none=True)
    extra_boost_driver_id = fields.Integer(allow_none=True)
    carried_over = fields.Boolean(metadata={"description": "The team set no lineup for the round: its last one"})
    bank = Number()
    team_value = Number()
    transfers = fields.Integer()
    free_transfers = fields.Integer()
    penalty = fields.Integer()
    drivers = fields.List(fields.Nested(LockedDriverSchema))
    constructors = fields.List(fields.Nested(LockedConstructorSchema))


class LeagueDeletedDataSchema(LeagueNoticeDataSchema):
    league_id = fields.Integer()


class AdminAlertDataSchema(NoticeDataSchema):
    message = fields.String()
    session = fields.String(metadata={"description": "The session the results poll waited for: race, sprint..."})


# What each kind's data carries (§9): the schemas a client reads it with, and the tests check stored notices by.
DATA_SCHEMAS: dict[str, tuple[type[NoticeDataSchema], ...]] = {
    "member_joined": (MemberJoinedDataSchema,),
    "member_left": (MemberLeftDataSchema,),
    "member_removed": (LeagueNoticeDataSchema,),
    "role_changed": (RoleChangedDataSchema, OwnershipTransferredDataSchema),
    "draft_open": (DraftOpenDataSchema,),
    "order_changed": (OrderChangedDataSchema,),
    "your_turn": (YourTurnDataSchema,),
    "autopicked": (AutopickedDataSchema,),
    "draft_complete": (DraftCompleteDataSchema,),
    "draft_locked": (DraftLockedDataSchema,),
    "draft_paused": (DraftToolDataSchema,),
    "draft_resumed": (DraftToolDataSchema,),
    "picks_undone": (PicksUndoneDataSchema,),
    "picked_on_behalf": (PickedByManagerDataSchema,),
    "autopick_forced": (PickedByManagerDataSchema,),
    "draft_reset": (DraftResetDataSchema,),
    "race_scored": (RaceScoredDataSchema,),
    "scores_corrected": (RaceScoredDataSchema,),
    "prices_changed": (PricesChangedDataSchema,),
    "lineup_locked": (LineupLockedDataSchema,),
    "league_deleted": (LeagueDeletedDataSchema,),
    "admin_alert": (AdminAlertDataSchema,),
}


class NotificationData(fields.Dict):
    """`data`, documented per kind: each kind's schema a component, named in `x-data-schemas` and the text."""

    def openapi(self, converter) -> dict:
        by_kind = {kind: [converter.resolve_nested_schema(schema)["$ref"] for schema in schemas]
                   for kind, schemas in DATA_SCHEMAS.items()}
        table = "; ".join(f"{kind}: {' or '.join(ref.rsplit('/', 1)[1] for ref in refs)}"
                          for kind, refs in by_kind.items())
        return {"description": "What the notice renders with, names included; its keys depend on `kind`, each "
                               f"always present (x-data-schemas names the schema per kind): {table}. Points and "
                               "prices are JSON numbers (25.0, 12.5; prices in millions).",
                "x-data-schemas": {kind: refs[0] if len(refs) == 1 else refs for kind, refs in by_kind.items()}}


class NotificationSchema(StrictSchema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": f"What happened: {', '.join(DATA_SCHEMAS)}; `data` follows the "
                                                  "kind's schema (x-data-schemas)"})
    league_id = fields.Integer(allow_none=True, metadata={
        "description": "Null once the league is deleted (or for a notice of no league); data.league_name names it"})
    race_id = fields.Integer(allow_none=True)
    data = NotificationData(metadata={
        "example": {"league_name": "Friday Night", "race_name": "Saudi Arabian Grand Prix", "season": 2023,
                    "round": 2, "team_id": 12, "team_name": "Box Box", "round_points": 25.0,
                    "season_points": 43.0, "rank": 1, "previous_rank": 2}})
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class ReadAllSchema(StrictSchema):
    updated = fields.Integer()


class TicketSchema(StrictSchema):
    ticket = fields.String()
    expires_in = fields.Integer()


class StreamQuerySchema(StrictSchema):
    ticket = fields.String(required=True, metadata={"description": "From POST /events/ticket; single use"})
