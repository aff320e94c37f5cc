"""The one access check for every league-scoped route: who may see or act on a league.

Rules: a private league does not exist (404) for anyone who is not an active member; a public league
can be *viewed* by any signed-in user, but member-only routes answer 403 to non-members; members
without the required role get 403; global admins pass every check.
"""
import enum
from dataclasses import dataclass

from sqlalchemy import select

from fantasy.auth.models import User
from fantasy.errors import Forbidden, NotFound
from fantasy.extensions import db
from fantasy.leagues.models import FantasyTeam, League, LeagueRole, Membership, Visibility


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


def league_access(league_id: int, user: User, need: Need, *, lock: bool = False) -> LeagueAccess:
    """Load a league for `user` or raise 404/403; `lock` takes a row lock for a write that counts."""
    if lock:
        # The membership is read after the lock is granted, so it includes what the previous holder
        # committed (one joined statement would read it from the snapshot taken before waiting).
        league = db.session.scalars(select(League).where(League.id == league_id).with_for_update()).first()
        membership = (
            db.session.scalars(Membership.active_for(league_id, user.id)).first() if league is not None else None
        )
    else:  # reads: one round trip
        league, membership = db.session.execute(
            select(League, Membership)
            .outerjoin(Membership, (Membership.league_id == League.id) & (Membership.user_id == user.id)
                       & Membership.left_at.is_(None))
            .where(League.id == league_id)
        ).first() or (None, None)
    if league is None or (membership is None and league.visibility == Visibility.private and not user.is_admin):
        raise NotFound("No such league")
    access = LeagueAccess(league, membership, user)
    if user.is_admin or need == Need.view:
        return access
    if membership is None:
        raise Forbidden("Members only")
    required = LeagueRole[need.value]
    if membership.role.rank < required.rank:
        raise Forbidden(f"Only the league's {'owner' if required == LeagueRole.owner else 'managers'} can do this")
    return access


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
