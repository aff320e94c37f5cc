"""Shapes for notifications and stream tickets."""
from marshmallow import fields

from fantasy.common.schemas import StrictSchema


class NotificationQuerySchema(StrictSchema):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only unread notifications"})


class NotificationSchema(StrictSchema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": (
        "member_joined, member_left, member_removed, role_changed, draft_open, order_changed, your_turn, "
        "autopicked, draft_complete, draft_locked, race_scored, scores_corrected, league_deleted, admin_alert; "
        "a manager's "
        "draft tools: draft_paused, draft_resumed, picks_undone, picked_on_behalf, autopick_forced, draft_reset")})
    league_id = fields.Integer(allow_none=True, metadata={
        "description": "Null once the league is deleted (or for a notice of no league); data.league_name names it"})
    race_id = fields.Integer(allow_none=True)
    data = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class ReadAllSchema(StrictSchema):
    updated = fields.Integer()


class TicketSchema(StrictSchema):
    ticket = fields.String()
    expires_in = fields.Integer()


class StreamQuerySchema(StrictSchema):
    ticket = fields.String(required=True, metadata={"description": "From POST /events/ticket; single use"})
