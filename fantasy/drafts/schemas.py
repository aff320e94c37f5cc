"""Request and response shapes for drafts, picks, order and queues."""
from marshmallow import fields, validate

from fantasy.common.schemas import Id, StrictSchema
from fantasy.drafts.enums import DraftState
from fantasy.f1data.models import RaceStatus
from fantasy.f1data.schemas import DriverCardSchema
from fantasy.leagues.enums import DraftMethod


class PickRequestSchema(StrictSchema):
    driver_id = Id(required=True)


class PickSchema(StrictSchema):
    id = fields.Integer()
    pick_number = fields.Integer()
    team_id = fields.Integer()
    driver_id = fields.Integer()
    autopicked = fields.Boolean()
    picked_at = fields.DateTime()


class DraftPickSchema(PickSchema):
    driver = fields.Nested(DriverCardSchema)


class OrderSchema(StrictSchema):
    team_ids = fields.List(
        Id(),
        required=True, validate=validate.Length(min=2, max=22),
    )


class QueueSchema(StrictSchema):
    driver_ids = fields.List(
        Id(),
        required=True, validate=validate.Length(max=30),
        metadata={"description": "Ranked drivers for the autopicker; private to your team"},
    )


class OrderEntrySchema(StrictSchema):
    team_id = fields.Integer()
    name = fields.String()
    skipped = fields.Boolean(metadata={
        "description": "The team stopped drafting while this draft ran (left, removed or deactivated): its "
                       "remaining turns pass to the next team and are never autopicked"})


class LeagueRaceSchema(StrictSchema):
    race_id = fields.Integer()
    round = fields.Integer()
    name = fields.String()
    starts_at = fields.DateTime()
    status = fields.Enum(RaceStatus)
    draft_state = fields.Enum(DraftState, allow_none=True, metadata={
        "description": "As the draft's own state reads; null in a salary-cap league (it never drafts)"})
    lineup_state = fields.String(allow_none=True, metadata={
        "enum": ["upcoming", "open", "locked", "scored"], "description": (
            "Salary-cap leagues only (null in a draft league): the round as the lineup read says it — open (its "
            "lineups can change), upcoming (after the open round), locked, scored (its scores count); null for a "
            "round not played in the league (not locked and before the open round, or none is left open)")})
    playable = fields.Boolean(metadata={
        "description": "Replay: the stored results can score the round (its race classification, or one for "
                       "every session the ruleset scores), so it can be opened (a draft) or locked (lineups); "
                       "live: not cancelled, or once locked, its results are in"})
    unplayable_reason = fields.String(allow_none=True)


class PausedBySchema(StrictSchema):
    id = fields.Integer()
    username = fields.String()


class DraftStateSchema(StrictSchema):
    id = fields.Integer(allow_none=True, metadata={
        "description": "None until the draft is first written (opened, ordered, queued, or by the clock): "
                       "reading a draft never creates it"})
    league_id = fields.Integer()
    race_id = fields.Integer()
    state = fields.Enum(DraftState, metadata={
        "description": "scheduled → open → complete (every pick made) or locked (the deadline came) → scored; "
                       "skipped: a live draft whose lock passed before it ever opened (nothing to pick)"})
    method = fields.Enum(DraftMethod)
    picks_per_team = fields.Integer()
    opens_at = fields.DateTime(allow_none=True)
    locks_at = fields.DateTime(allow_none=True)
    order = fields.List(fields.Nested(OrderEntrySchema))
    current_pick = fields.Integer(allow_none=True)
    on_the_clock = fields.Integer(allow_none=True, metadata={"description": "Team id whose turn it is"})
    pick_deadline = fields.DateTime(allow_none=True, metadata={"description": "None while paused"})
    paused = fields.Boolean(metadata={"description": "A manager paused the draft (§14): picks answer 409 and "
                                                     "the pick clock stands still until they resume it"})
    paused_at = fields.DateTime(allow_none=True)
    paused_by = fields.Nested(PausedBySchema, allow_none=True)
    picks = fields.List(fields.Nested(DraftPickSchema))
    available_driver_ids = fields.List(fields.Integer())
    available_drivers = fields.List(fields.Nested(DriverCardSchema), metadata={
        "description": "The drivers of available_driver_ids, in the same order, named"})
    playable = fields.Boolean(metadata={"description": "Whether the stored results can score this round"})
    unplayable_reason = fields.String(allow_none=True, metadata={
        "description": "Why not (no classification stored, or the race was cancelled): a replay round until "
                       "it is scored, a live round once locked; None while the draft runs"})
    my_team_id = fields.Integer(allow_none=True)
    my_queue = fields.List(fields.Integer())
    my_queue_drivers = fields.List(fields.Nested(DriverCardSchema), metadata={
        "description": "The drivers of my_queue, in the same order, named"})


class UndoSchema(StrictSchema):
    count = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=1, max=100),
                           metadata={"description": "How many of the latest picks to take back (default 1)"})
    last_pick_number = fields.Integer(strict=True, validate=validate.Range(min=1), metadata={
        "description": "The pick you mean to be the latest: if another was made meanwhile the undo is a 409"})


class TurnSchema(StrictSchema):
    pick_number = fields.Integer(strict=True, validate=validate.Range(min=1), metadata={
        "description": "The turn you mean: if the draft moved on meanwhile the action is a 409"})


class OnBehalfSchema(TurnSchema):
    driver_id = Id(required=True)
