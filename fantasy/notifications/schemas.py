"""Shapes for notifications and stream tickets."""
from marshmallow import fields

from fantasy.common.schemas import StrictSchema


class NotificationQuerySchema(StrictSchema):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only unread notifications"})


class NotificationSchema(StrictSchema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": (
        "member_joined, member_left, member_removed, role_changed, draft_open, order_changed, your_turn, "
        "autopicked, draft_complete, draft_locked, race_scored, scores_corrected, prices_changed (salary cap), "
        "league_deleted, admin_alert; "
        "a manager's "
        "draft tools: draft_paused, draft_resumed, picks_undone, picked_on_behalf, autopick_forced, draft_reset; "
        "salary-cap leagues: lineup_locked (data: the team's locked lineup, with prices, bank, transfers and "
        "penalty)")})
    league_id = fields.Integer(allow_none=True, metadata={
        "description": "Null once the league is deleted (or for a notice of no league); data.league_name names it"})
    race_id = fields.Integer(allow_none=True)
    data = fields.Dict(metadata={"description": (
        "What the notice renders with, names included: league notices carry league_name; race_scored and "
        "scores_corrected carry league_name, race_name, season, round, team_id, team_name, round_points (the "
        "team's points in the race), season_points, rank and previous_rank (its season rank after the league's "
        "previous scored race, null for the first); points are JSON numbers (25.0, 12.5). prices_changed carries "
        "league_name, team_id, team_name, season, round and race_name of the round the prices are for, assets "
        "(each held asset whose price moved: asset {kind, id, ref, name, code}, previous_price, price, change) "
        "and value_change, in millions as numbers"),
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
