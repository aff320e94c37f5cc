"""Each team's private pick queue (§7): a ranked wish list for one draft that the autopicker follows."""
from fantasy.auth.models import User
from fantasy.common.models import commit_or_conflict
from fantasy.drafts import reads
from fantasy.drafts.eligibility import eligible_driver_ids
from fantasy.drafts.lifecycle import ensure_draft
from fantasy.drafts.models import BEFORE_FIRST_PICK, PickQueue
from fantasy.drafts.picking import my_team
from fantasy.errors import Conflict, Unprocessable
from fantasy.extensions import db
from fantasy.leagues.access import Need, league_access


def get_queue(league_id: int, race_id: int, user: User) -> dict:
    access = league_access(league_id, user, Need.member)
    team_id = my_team(league_id, user)
    reads.race_of_season(access.league, race_id)
    return {"driver_ids": reads.queue_of(league_id, race_id, team_id)}


def set_queue(league_id: int, race_id: int, user: User, driver_ids: list[int]) -> dict:
    access = league_access(league_id, user, Need.member)
    team_id = my_team(league_id, user)
    race = reads.race_of_season(access.league, race_id)
    draft = ensure_draft(access.league, race)
    if draft.state not in BEFORE_FIRST_PICK:
        raise Conflict(f"The draft is {draft.state.value}: the queue no longer matters")
    if len(set(driver_ids)) != len(driver_ids):
        raise Unprocessable("Each driver may be queued once", fields={"driver_ids": ["Duplicates"]})
    unknown = sorted(set(driver_ids) - set(eligible_driver_ids(race)))
    if unknown:
        raise Unprocessable("Some drivers are not in this race",
                            fields={"driver_ids": [f"Not eligible: {unknown}"]})
    queue = db.session.scalars(PickQueue.of_team(draft.id, team_id)).first()
    if queue is None:
        queue = PickQueue(draft_id=draft.id, team_id=team_id)
        db.session.add(queue)
    queue.driver_ids = list(driver_ids)
    commit_or_conflict("The queue changed meanwhile, try again")
    return {"driver_ids": queue.driver_ids}
