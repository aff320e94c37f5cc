"""Request and response shapes for leagues, members and teams."""
from decimal import Decimal

from marshmallow import ValidationError, fields, post_dump, validate

from fantasy.common.schemas import Id, Number, StrictSchema, Text
from fantasy.drafts.enums import DraftState
from fantasy.leagues.enums import DraftMethod, LeagueFormat, LeagueMode, LeagueRole, OrderStrategy, Visibility
from fantasy.scoring.schemas import RulesetField

# What LeagueSchema reads from a LeagueView itself; every other field is the league row's.
VIEW_FIELDS = frozenset({"team_count", "my_role", "my_team_id", "current_draft"})
NOT_BLANK = validate.Predicate("strip", error="Must not be only spaces.")


BUDGET_MIN, BUDGET_MAX = Decimal(50), Decimal(200)


def _budget(value: Decimal) -> None:
    if not BUDGET_MIN <= value <= BUDGET_MAX:
        raise ValidationError(f"The budget is from {BUDGET_MIN} to {BUDGET_MAX} (millions).")
    if value != value.quantize(Decimal("0.1")):
        raise ValidationError("The budget is in 0.1 steps.")


def name_field(**kwargs) -> Text:
    """A league or team name: 3 to 60 characters, not only spaces (team names are keyed by case)."""
    return Text(min_length=3, max_length=60, validate=NOT_BLANK, **kwargs)


class LeagueSettingsSchema(StrictSchema):
    """The settable fields of a league (§6, §7, §8): the PATCH body. Defaults apply on create only."""

    name = name_field()
    description = Text(max_length=500, multiline=True)
    visibility = fields.Enum(Visibility, metadata={"description": "Default: private"})
    max_teams = fields.Integer(strict=True, validate=validate.Range(min=2, max=22),
                               metadata={"description": "Default: 10"})
    picks_per_team = fields.Integer(strict=True, validate=validate.Range(min=1, max=4),
                                    metadata={"description": "Default: 2"})
    draft_method = fields.Enum(DraftMethod, metadata={"description": "Default: snake"})
    order_strategy = fields.Enum(OrderStrategy, metadata={"description": "Default: rotation"})
    pick_seconds = fields.Integer(
        strict=True, validate=validate.Range(min=0, max=86_400), metadata={"description": "0 = no pick clock (default)"}
    )
    draft_opens_hours = fields.Integer(
        strict=True, validate=validate.Range(min=1, max=336), metadata={"description": "Default: 96"}
    )
    autopick_on_lock = fields.Boolean(metadata={"description": "Default: true"})
    ruleset = RulesetField()
    # Range checked by _budget: apispec would write a Range's Decimal bounds as strings.
    budget = fields.Decimal(validate=_budget, metadata={
        "minimum": 50, "maximum": 200,
        "description": "Salary-cap leagues only: each team's starting bank in millions, 50-200 in 0.1 steps "
                       "(default 100.0); fixed once a round has locked"})


class LeagueUpdateSchema(LeagueSettingsSchema):
    rescore_season = fields.Boolean(
        load_default=False,
        metadata={"description": "Owner only: change the ruleset after a scored race and re-score the season"},
    )


class LeagueCreateSchema(LeagueSettingsSchema):
    name = name_field(required=True)
    season = fields.Integer(required=True, strict=True, validate=validate.Range(min=1950, max=2100))
    mode = fields.Enum(LeagueMode, metadata={"description": "Default: live"})
    format = fields.Enum(LeagueFormat, metadata={
        "description": "draft (default) or salary_cap: a budget, 5 drivers and 2 constructors per lineup, "
                       "transfers and chips, scored under f1_fantasy_2025. Draft settings are refused for a "
                       "salary-cap league and budget for a draft league (422)"})
    team_name = name_field(keyed=True, metadata={"description": "The owner's team name (default: username)"})


class LeagueSummarySchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    season = fields.Integer()
    mode = fields.Enum(LeagueMode)
    format = fields.String(metadata={"enum": [value.value for value in LeagueFormat]})  # stored as text
    visibility = fields.Enum(Visibility)
    max_teams = fields.Integer()
    team_count = fields.Integer()
    my_role = fields.Enum(LeagueRole, allow_none=True)
    my_team_id = fields.Integer(allow_none=True, metadata={"description": "Your team in this league (none if "
                                                                          "you are not a member)"})


class CurrentDraftSchema(StrictSchema):
    race_id = fields.Integer()
    round = fields.Integer()
    race_name = fields.String()
    state = fields.Enum(DraftState)
    opens_at = fields.DateTime(allow_none=True, metadata={"description": "Live leagues: when the draft opens"})
    locks_at = fields.DateTime(allow_none=True, metadata={"description": "Live leagues: the draft's deadline"})
    pick_deadline = fields.DateTime(allow_none=True, metadata={"description": "The turn's deadline (pick clock)"})
    on_the_clock = fields.Integer(allow_none=True, metadata={"description": "Team id whose turn it is"})


class LeagueSchema(LeagueSummarySchema):
    picks_per_team = fields.Integer()
    draft_method = fields.Enum(DraftMethod)
    order_strategy = fields.Enum(OrderStrategy)
    pick_seconds = fields.Integer()
    draft_opens_hours = fields.Integer()
    autopick_on_lock = fields.Boolean()
    ruleset = RulesetField()
    budget = Number(allow_none=True, metadata={"description": "Salary-cap leagues: the starting bank in "
                                                                    "millions (none for draft leagues)"})
    owner_id = fields.Integer()
    created_at = fields.DateTime()
    invite_code = fields.String(metadata={"description": "Only shown to the owner and managers"})
    current_draft = fields.Nested(CurrentDraftSchema, allow_none=True, metadata={
        "description": "The running draft, else the next one (replay: the round after the last drafted; live: "
                       "the next race); none once the season has nothing left to draft, and for salary-cap "
                       "leagues (they have no drafts)"})

    def get_attribute(self, obj, attr, default):
        """A `LeagueView` (leagues/service.py): the caller's facts from the view, the rest from the league row."""
        return super().get_attribute(obj if attr in VIEW_FIELDS else obj.league, attr, default)

    @post_dump(pass_original=True)
    def _invite_code_for_managers(self, data: dict, view, **kwargs) -> dict:
        if not view.can_manage:
            del data["invite_code"]
        return data


class LeagueSearchSchema(StrictSchema):
    q = Text(load_default=None, max_length=60)


class JoinByCodeSchema(StrictSchema):
    invite_code = Text(required=True, min_length=8, max_length=32)
    team_name = name_field(required=True, keyed=True)


class JoinSchema(StrictSchema):
    team_name = name_field(required=True, keyed=True)


class InviteCodeSchema(StrictSchema):
    invite_code = fields.String()


class MemberSchema(StrictSchema):
    user_id = fields.Integer()
    username = fields.String()
    role = fields.Enum(LeagueRole)
    joined_at = fields.DateTime()
    team_id = fields.Integer()
    team_name = fields.String()


class RoleChangeSchema(StrictSchema):
    role = Text(required=True, max_length=10, validate=validate.OneOf(["manager", "member"]))


class TransferSchema(StrictSchema):
    user_id = Id(required=True)


class TeamSchema(StrictSchema):
    id = fields.Integer()
    league_id = fields.Integer()
    user_id = fields.Integer()
    name = fields.String()
    active = fields.Boolean()
    joined_at = fields.DateTime()
    left_at = fields.DateTime(allow_none=True)


class TeamRenameSchema(StrictSchema):
    name = name_field(required=True, keyed=True)
