"""The one access check for every league-scoped route: who may see or act on a league.

Rules: a private league does not exist (404) for anyone who is not an active member; a public league
can be *viewed* by any signed-in user, but member-only routes answer 403 to non-members; members
without the required role get 403; global admins pass every check.

Reads and writes that need only the decision and a few league facts (standings, picks) use `league_facts`:
the same decision over a Redis snapshot of the caller's membership and the league's facts, kept current
by generation counters (common/snapshots.py: every write of a league or membership row moves them; team
changes count through the league's `roster_version`).
"""
import enum
from dataclasses import dataclass

import redis
from sqlalchemy import select

from fantasy.auth.models import User
from fantasy.auth.principal import Principal
from fantasy.common import snapshots
from fantasy.errors import Forbidden, NotFound
from fantasy.extensions import db
from fantasy.leagues.models import FantasyTeam, League, LeagueRole, Membership, Visibility
from fantasy.scoring.rules import ruleset_key

# The suffix names the form of the data: a new field, or a change of how ruleset keys are computed, means a
# new suffix, so old snapshots are never read.
FACTS = "snap:league:{}:member:{}:v1"


def init_access() -> None:
    """Writes of these rows move the league's snapshot generation (teams count through `roster_version`)."""
    snapshots.guard(League, "league", "id")
    snapshots.guard(Membership, "league", "league_id")


class Need(enum.Enum):
    view = "view"          # see the league itself (public leagues: anyone signed in)
    member = "member"      # an active member
    manager = "manager"    # owner or manager
    owner = "owner"        # the owner only


@dataclass(frozen=True)
class LeagueAccess:
    league: League
    membership: Membership | None
    user: User

    @property
    def role(self) -> LeagueRole | None:
        return self.membership.role if self.membership else None

    @property
    def can_manage(self) -> bool:
        return self.user.is_admin or (self.role is not None and self.role.rank >= LeagueRole.manager.rank)


@dataclass(frozen=True)
class LeagueFacts:
    """What a read or a pick needs to know of a league, for one caller: a snapshot of the league row and
    membership (`id` and `season` as on League, so helpers can take either)."""

    id: int
    role: LeagueRole | None
    season: int
    pick_seconds: int
    ruleset_key: str
    created_at: str
    roster_version: int


def _check(visibility: Visibility, role: LeagueRole | None, is_admin: bool, need: Need) -> None:
    """The access rules (module docstring): raise 404 or 403, or return."""
    if role is None and visibility == Visibility.private and not is_admin:
        raise NotFound("No such league")
    if is_admin or need == Need.view:
        return
    if role is None:
        raise Forbidden("Members only")
    required = LeagueRole[need.value]
    if role.rank < required.rank:
        raise Forbidden(f"Only the league's {'owner' if required == LeagueRole.owner else 'managers'} can do this")


def _league_and_membership(league_id: int, user_id: int) -> tuple[League | None, Membership | None]:
    """Both in one round trip (reads)."""
    return db.session.execute(
        select(League, Membership)
        .outerjoin(Membership, (Membership.league_id == League.id) & (Membership.user_id == user_id)
                   & Membership.left_at.is_(None))
        .where(League.id == league_id)
        .execution_options(populate_existing=True)  # rows already in the session are read again (snapshot fills)
    ).first() or (None, None)


def league_access(league_id: int, user: User | Principal, need: Need, *, lock: bool = False) -> LeagueAccess:
    """Load a league for `user` or raise 404/403; `lock` takes a row lock for a write that counts."""
    if lock:
        # The membership is read after the lock is granted, so it includes what the previous holder
        # committed (one joined statement would read it from the snapshot taken before waiting).
        league = db.session.scalars(select(League).where(League.id == league_id).with_for_update()).first()
        membership = (
            db.session.scalars(Membership.active_for(league_id, user.id)).first() if league is not None else None
        )
    else:
        league, membership = _league_and_membership(league_id, user.id)
    if league is None:
        raise NotFound("No such league")
    _check(league.visibility, membership.role if membership else None, user.is_admin, need)
    return LeagueAccess(league, membership, user)


def _facts_read(league_id: int, user_id: int, also, follow_ruleset: str | None) -> snapshots.Read:
    return snapshots.Read("league", league_id, FACTS.format(league_id, user_id), tuple(also),
                          ("ruleset_key", follow_ruleset) if follow_ruleset else None)


def facts_ahead(league_id: int, *, also: list[str] = (), follow_ruleset: str | None = None) -> None:
    """Have the token check read what `league_facts` with these arguments will (common/snapshots.ahead): a
    route's `login_required(ahead=...)` calls this with its URL's league id before the token is checked."""
    snapshots.ahead(lambda user_id: _facts_read(league_id, user_id, also, follow_ruleset))


def league_facts(league_id: int, principal: Principal, need: Need, *, also: list[str] = (),
                 follow_ruleset: str | None = None) -> tuple[LeagueFacts, list, bytes | None]:
    """The access decision of `league_access` and the league's facts, from Redis when current (no row lock).

    In the same round trip: the values of the keys `also` (None each when Redis could not be read) and,
    with `follow_ruleset`, the key that prefix + the league's ruleset key names (None unless the snapshot
    was current: a caller then reads it itself). That round trip is the token check's when the route asked
    for this read ahead (`facts_ahead`).
    """
    try:
        snapshot, values, followed = snapshots.read(_facts_read(league_id, principal.id, also, follow_ruleset))
    except redis.RedisError:
        snapshot, values, followed = None, [None] * len(also), None
    data = snapshot.data if snapshot is not None else None
    if data is None:
        league, membership = _league_and_membership(league_id, principal.id)
        if league is None:
            raise NotFound("No such league")
        data = {"visibility": league.visibility.value, "role": membership.role.value if membership else None,
                "season": league.season, "pick_seconds": league.pick_seconds,
                "ruleset_key": ruleset_key(league.ruleset),
                "created_at": league.created_at.isoformat(), "roster_version": league.roster_version}
        if snapshot is not None:
            snapshot.store(data)
    role = LeagueRole(data["role"]) if data["role"] else None
    _check(Visibility(data["visibility"]), role, principal.is_admin, need)
    facts = LeagueFacts(league_id, role, data["season"], data["pick_seconds"], data["ruleset_key"], data["created_at"],
                        data["roster_version"])
    return facts, values, followed


def team_access(
    team_id: int, user: User, need: Need = Need.member, *, lock: bool = False
) -> tuple[FantasyTeam, LeagueAccess]:
    """A team through its league's access check; a team of an invisible league is a 404."""
    team = db.session.get(FantasyTeam, team_id)
    if team is None:
        raise NotFound("No such team")
    try:
        return team, league_access(team.league_id, user, need, lock=lock)
    except NotFound:
        raise NotFound("No such team") from None
