"""The first-round order a manager sets by hand (the manual order strategy, §7), before the first pick."""
from fantasy.auth.models import User
from fantasy.common.models import commit_or_conflict
from fantasy.drafts import order, reads, turns
from fantasy.drafts.lifecycle import ensure_draft
from fantasy.drafts.models import BEFORE_FIRST_PICK
from fantasy.drafts.picking import locked_draft
from fantasy.errors import Conflict, Unprocessable
from fantasy.leagues.access import Need, league_access
from fantasy.leagues.audit import audit
from fantasy.leagues.enums import OrderStrategy


def set_order(league_id: int, race_id: int, user: User, team_ids: list[int]) -> dict:
    access = league_access(league_id, user, Need.manager, lock=True)
    league = access.league
    if league.order_strategy != OrderStrategy.manual:
        raise Conflict(f"This league's order strategy is {league.order_strategy.value}, not manual")
    race = reads.race_of_season(league, race_id)
    ensure_draft(league, race)
    draft = locked_draft(league_id, race_id)
    if draft.state not in BEFORE_FIRST_PICK or draft.current_pick != 1:
        raise Conflict("The order can only change before the first pick")
    errors = order.check_permutation(team_ids, turns.drafting_team_ids(league_id))
    if errors:
        raise Unprocessable("The order must list every active team exactly once", fields=errors)
    draft.order = list(team_ids)
    audit(league_id, user, "order_changed", race_id=race_id, order=list(team_ids))
    commit_or_conflict("The draft changed meanwhile, try again")
    return reads.draft_state(league_id, race_id, user)
