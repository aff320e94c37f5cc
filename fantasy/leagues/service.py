"""League use cases: create, settings, joining, members, roles, ownership, teams."""
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from fantasy.auth.models import User
from fantasy.common.clock import utcnow
from fantasy.common.models import commit_or_conflict
from fantasy.common.schemas import case_key
from fantasy.drafts import lifecycle as drafts
from fantasy.drafts.reads import current_draft, my_team_id
from fantasy.drafts.turns import skip_departed
from fantasy.errors import Conflict, Forbidden, NotFound, Unprocessable
from fantasy.extensions import db
from fantasy.f1data.models import Race, RaceStatus
from fantasy.leagues.access import LeagueAccess, Need, league_access, team_access
from fantasy.leagues.audit import audit
from fantasy.leagues.enums import SALARY_CAP_RULESET
from fantasy.leagues.models import (
    DraftMethod,
    FantasyTeam,
    League,
    LeagueFormat,
    LeagueMode,
    LeagueRole,
    Membership,
    OrderStrategy,
    Visibility,
)
from fantasy.lineups.models import LineupRound
from fantasy.scoring.events import scoring_due

log = logging.getLogger(__name__)

SETTING_DEFAULTS = {
    "description": "",
    "visibility": Visibility.private,
    "max_teams": 10,
    "picks_per_team": 2,
    "draft_method": DraftMethod.snake,
    "order_strategy": OrderStrategy.rotation,
    "pick_seconds": 0,
    "draft_opens_hours": 96,
    "autopick_on_lock": True,
    "ruleset": "standard",
    "mode": LeagueMode.live,
    "format": LeagueFormat.draft,
}
DEFAULT_BUDGET = Decimal("100.0")
# Settings of the draft (§7): refused for a salary-cap league, as its budget is for a draft league (§6).
DRAFT_ONLY = ("picks_per_team", "draft_method", "order_strategy", "pick_seconds", "draft_opens_hours",
              "autopick_on_lock")
INVITE_CODE_BYTES = 9  # 12 URL-safe characters from the CSPRNG


def grid_size(season: int) -> int:
    """Drivers on the grid: 20 up to 2025, 22 from 2026 (§6). Reserve drivers do not widen the draft."""
    return 22 if season >= 2026 else 20


def _new_invite_code() -> str:
    return secrets.token_urlsafe(INVITE_CODE_BYTES)


def _roster_changed(league: League) -> None:
    """Teams joined, left or were renamed: cached standings of the league no longer apply (scoring/cache.py)."""
    league.roster_version = League.roster_version + 1


def _check_grid(season: int, max_teams: int, picks_per_team: int) -> None:
    if max_teams * picks_per_team > grid_size(season):
        raise Unprocessable(
            "Too many picks for the grid",
            fields={"max_teams": [f"max_teams × picks_per_team may not exceed {grid_size(season)}"]},
        )


def _check_live_season(season: int) -> None:
    """A live league follows the real calendar: it needs the season's calendar stored, with a race ahead."""
    upcoming = func.count(Race.id).filter(Race.starts_at > utcnow(), Race.status != RaceStatus.cancelled)
    stored, ahead = db.session.execute(select(func.count(Race.id), upcoming).where(Race.season_year == season)).one()
    if not stored:
        message = (f"No {season} calendar is stored yet: a live league follows it, so it can be created once the "
                   "calendar is synced. Past seasons are played in replay mode (mode: replay).")
    elif not ahead:
        message = (f"Every race of the {season} season has started: it cannot be played live. "
                   "Create a replay league (mode: replay) to play it round by round.")
    else:
        return
    raise Unprocessable(message, fields={"mode": [message]})


def _check_format(league_format: LeagueFormat, data: dict) -> None:
    """The other format's settings are refused, each field named (§6)."""
    errors = {}
    if league_format == LeagueFormat.salary_cap:
        for key in DRAFT_ONLY:
            if key in data:
                errors[key] = ["A draft setting: salary-cap leagues have no draft"]
        if "ruleset" in data and data["ruleset"] != SALARY_CAP_RULESET:
            errors["ruleset"] = [f"Salary-cap leagues always score under {SALARY_CAP_RULESET}"]
    elif "budget" in data:
        errors["budget"] = ["Only salary-cap leagues (format: salary_cap) have a budget"]
    if errors:
        kind = "salary-cap" if league_format == LeagueFormat.salary_cap else "draft"
        raise Unprocessable(f"Settings of the other format are refused for a {kind} league: "
                            f"{', '.join(sorted(errors))}", fields=errors)


def _team_name_taken(league_id: int, name: str, except_user_id: int | None = None) -> bool:
    statement = select(FantasyTeam.id).where(FantasyTeam.league_id == league_id, FantasyTeam.name_key == case_key(name))
    if except_user_id is not None:
        statement = statement.where(FantasyTeam.user_id != except_user_id)
    return db.session.scalar(statement) is not None


def _active_team_count(league_id: int) -> int:
    return db.session.scalar(FantasyTeam.active_in(league_id).with_only_columns(func.count()))


@dataclass(frozen=True)
class LeagueView:
    """A league as one caller reads it: the row, its team count, the caller's role and team, whether they
    manage it (the invite code is theirs to see), and the draft a client waits for (§11). LeagueSchema
    shapes it."""

    league: League
    team_count: int
    my_role: LeagueRole | None
    my_team_id: int | None
    can_manage: bool
    current_draft: dict | None


def present(access: LeagueAccess) -> LeagueView:
    league = access.league
    return LeagueView(
        league=league,
        team_count=_active_team_count(league.id),
        my_role=access.role,
        my_team_id=db.session.scalar(my_team_id(league.id, access.user.id)) if access.membership else None,
        can_manage=access.can_manage,
        current_draft=current_draft(league) if league.format == LeagueFormat.draft else None,
    )


# --- leagues -----------------------------------------------------------------------------------


def create_league(owner: User, data: dict) -> LeagueView:
    settings = {**SETTING_DEFAULTS, **data}
    team_name = settings.pop("team_name", None) or owner.username
    _check_format(settings["format"], data)
    if settings["format"] == LeagueFormat.salary_cap:
        settings.update(ruleset=SALARY_CAP_RULESET, budget=settings.get("budget", DEFAULT_BUDGET))
    else:
        _check_grid(settings["season"], settings["max_teams"], settings["picks_per_team"])
    settings["format"] = settings["format"].value
    if settings["mode"] == LeagueMode.live:
        _check_live_season(settings["season"])
    league = League(**settings, owner_id=owner.id, invite_code=_new_invite_code())
    db.session.add(league)
    db.session.flush()
    membership = Membership(league_id=league.id, user_id=owner.id, role=LeagueRole.owner)
    team = FantasyTeam(league_id=league.id, user_id=owner.id, name=team_name, name_key=case_key(team_name))
    db.session.add_all([membership, team])
    audit(league.id, owner, "league_created", name=league.name)
    commit_or_conflict("Could not create the league")
    return present(LeagueAccess(league, membership, owner))


def _summary_columns():
    team_count = FantasyTeam.active_in(League.id).with_only_columns(func.count()).correlate(League).scalar_subquery()
    return (
        League.id, League.name, League.description, League.season, League.mode, League.format, League.visibility,
        League.max_teams, team_count.label("team_count"),
    )


def my_leagues(user: User):
    """Leagues where the user is an active member, newest first."""
    return (
        select(*_summary_columns(), Membership.role.label("my_role"), FantasyTeam.id.label("my_team_id"))
        .join(Membership, Membership.league_id == League.id)
        .join(FantasyTeam, (FantasyTeam.league_id == League.id) & (FantasyTeam.user_id == user.id))
        .where(Membership.user_id == user.id, Membership.left_at.is_(None))
        .order_by(League.id.desc())
    )


def search_public(user: User, query: str | None):
    """Public leagues whose name contains `query` (LIKE wildcards in it are taken literally)."""
    statement = select(*_summary_columns()).where(League.visibility == Visibility.public)
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(League.name.ilike(f"%{escaped}%", escape="\\"))
    return statement.order_by(League.id.desc())


def get_league(league_id: int, user: User) -> LeagueView:
    return present(league_access(league_id, user, Need.view))


# Settings a running draft depends on: they wait until it is locked.
DRAFT_SETTINGS = frozenset({"picks_per_team", "draft_method", "order_strategy", "draft_opens_hours", "ruleset"})


def update_league(league_id: int, user: User, data: dict) -> LeagueView:
    """Change settings. A running draft freezes the settings it uses (409); a ruleset can change after a
    scored race only when the owner asks for the whole season to be re-scored under it."""
    data = dict(data)
    rescore_season = data.pop("rescore_season", False)
    access = league_access(league_id, user, Need.manager, lock=True)
    league = access.league
    _check_format(LeagueFormat(league.format), data)
    max_teams = data.get("max_teams", league.max_teams)
    if league.format == LeagueFormat.draft:
        _check_grid(league.season, max_teams, data.get("picks_per_team", league.picks_per_team))
    if max_teams < _active_team_count(league.id):
        raise Conflict("max_teams is below the number of teams already in the league")
    changed = {key: value for key, value in data.items() if getattr(league, key) != value}
    if "budget" in changed and db.session.scalar(LineupRound.of_league(league.id).limit(1)) is not None:
        raise Conflict("A round has locked: the budget is fixed for the rest of the season")
    if DRAFT_SETTINGS & set(changed) and drafts.has_running_draft(league.id):
        raise Conflict(f"A draft is running: {', '.join(sorted(DRAFT_SETTINGS & set(changed)))} "
                       "can change once it is locked")
    rescore = "ruleset" in changed and drafts.scored_race_ids(league.id)
    if rescore and not rescore_season:
        raise Conflict("Races are already scored under this ruleset; the owner can change it with "
                       "rescore_season: true, which re-scores the whole season")
    if rescore and access.role != LeagueRole.owner and not user.is_admin:
        raise Forbidden("Only the owner can re-score the season under a new ruleset")
    for key, value in changed.items():
        setattr(league, key, value)
    if changed:
        drafts.refresh_scheduled(league)
        audit(league.id, user, "settings_changed", fields=sorted(changed))
    commit_or_conflict("Could not update the league")
    for race_id in rescore or ():
        scoring_due.send(race_id)
    return present(access)


def delete_league(league_id: int, user: User) -> None:
    league = league_access(league_id, user, Need.owner).league
    db.session.delete(league)
    db.session.commit()
    log.info("league deleted", extra={"league_id": league_id, "actor_id": user.id})


def regenerate_invite_code(league_id: int, user: User) -> dict:
    access = league_access(league_id, user, Need.manager)
    access.league.invite_code = _new_invite_code()
    audit(league_id, user, "invite_code_regenerated")
    commit_or_conflict("Could not regenerate the invite code")
    return {"invite_code": access.league.invite_code}


# --- joining and leaving -----------------------------------------------------------------------


def _join(league: League, user: User, team_name: str) -> FantasyTeam:
    """Add `user` to a league whose row the caller holds locked, so the capacity count is exact."""
    membership = db.session.scalars(
        select(Membership).where(Membership.league_id == league.id, Membership.user_id == user.id)
    ).first()
    if membership is not None and membership.active:
        raise Conflict("You are already a member of this league")
    if _active_team_count(league.id) >= league.max_teams:
        raise Conflict("The league is full")
    if _team_name_taken(league.id, team_name, except_user_id=user.id):
        raise Conflict("Team name already taken in this league", fields={"team_name": ["Already taken"]})
    now = utcnow()
    team = db.session.scalars(
        select(FantasyTeam).where(FantasyTeam.league_id == league.id, FantasyTeam.user_id == user.id)
    ).first()
    if membership is None:
        membership = Membership(league_id=league.id, user_id=user.id, role=LeagueRole.member, joined_at=now)
        db.session.add(membership)
    else:  # rejoining: same membership and team, history kept
        membership.role, membership.joined_at, membership.left_at = LeagueRole.member, now, None
    if team is None:
        team = FantasyTeam(league_id=league.id, user_id=user.id, joined_at=now)
        db.session.add(team)
    team.name, team.name_key, team.joined_at, team.left_at = team_name, case_key(team_name), now, None
    audit(league.id, user, "member_joined", team_name=team_name)
    _roster_changed(league)
    commit_or_conflict("Could not join: the league changed meanwhile, try again")
    return team


def join_public(league_id: int, user: User, team_name: str) -> FantasyTeam:
    access = league_access(league_id, user, Need.view, lock=True)
    if access.league.visibility != Visibility.public and access.membership is None:
        # Only admins see a private league they are not in; it is joined with its invite code.
        raise Conflict("Private leagues are joined with their invite code")
    return _join(access.league, user, team_name)


def join_by_code(invite_code: str, user: User, team_name: str) -> FantasyTeam:
    league = db.session.scalars(select(League).where(League.invite_code == invite_code).with_for_update()).first()
    if league is None:
        raise NotFound("No league has this invite code")
    return _join(league, user, team_name)


def _end_membership(access: LeagueAccess, target: Membership, actor: User, kind: str) -> None:
    now = utcnow()
    target.left_at = now
    team = db.session.scalars(
        select(FantasyTeam).where(FantasyTeam.league_id == access.league.id, FantasyTeam.user_id == target.user_id)
    ).one()
    team.left_at = now
    audit(access.league.id, actor, kind, user_id=target.user_id, team_id=team.id)
    _roster_changed(access.league)
    commit_or_conflict("Could not update the membership")
    skip_departed(league_id=access.league.id)  # the team stops drafting at once, the running draft included


def leave(league_id: int, user: User) -> None:
    access = league_access(league_id, user, Need.member, lock=True)
    if access.membership is None:
        raise Conflict("You are not a member of this league")
    if access.role == LeagueRole.owner:
        raise Conflict("The owner cannot leave: transfer ownership first")
    _end_membership(access, access.membership, user, "member_left")


# --- members and roles -------------------------------------------------------------------------
# Every change to memberships or teams locks the league row first, as joins and transfers do: one lock
# order, so PostgreSQL never deadlocks them against each other (the league_events insert would otherwise
# take the league's key-share lock after the membership rows).


def _target_membership(league_id: int, user_id: int) -> Membership:
    target = db.session.scalars(Membership.active_for(league_id, user_id)).first()
    if target is None:
        raise NotFound("No such member")
    return target


def list_members(league_id: int, user: User):
    league_access(league_id, user, Need.member)
    return (
        Membership.active_in(league_id).with_only_columns(
            Membership.user_id, User.username, Membership.role, Membership.joined_at,
            FantasyTeam.id.label("team_id"), FantasyTeam.name.label("team_name"),
        )
        .join(User, User.id == Membership.user_id)
        .join(FantasyTeam,
              (FantasyTeam.league_id == Membership.league_id) & (FantasyTeam.user_id == Membership.user_id))
        .order_by(Membership.joined_at, Membership.id)
    )


def change_role(league_id: int, user: User, target_user_id: int, role: str) -> dict:
    league_access(league_id, user, Need.owner, lock=True)
    target = _target_membership(league_id, target_user_id)
    if target.role == LeagueRole.owner:
        raise Conflict("The owner's role cannot be changed: transfer ownership instead")
    if target.role != LeagueRole(role):
        target.role = LeagueRole(role)
        audit(league_id, user, "role_changed", user_id=target_user_id, role=role)
        commit_or_conflict("Could not change the role")
    return {"user_id": target.user_id, "role": target.role}


def remove_member(league_id: int, user: User, target_user_id: int) -> None:
    access = league_access(league_id, user, Need.manager, lock=True)
    target = _target_membership(league_id, target_user_id)
    if target.user_id == user.id:
        raise Conflict("Use leave to leave a league")
    if target.role == LeagueRole.owner:
        raise Conflict("The owner cannot be removed")
    if target.role == LeagueRole.manager and access.role != LeagueRole.owner and not user.is_admin:
        raise Forbidden("Only the league's owner can remove a manager")
    _end_membership(access, target, user, "member_removed")


def transfer_ownership(league_id: int, user: User, target_user_id: int) -> LeagueView:
    access = league_access(league_id, user, Need.owner, lock=True)
    target = _target_membership(league_id, target_user_id)
    if target.role == LeagueRole.owner:
        raise Conflict("This member already owns the league")
    current_owner = _target_membership(league_id, access.league.owner_id)
    current_owner.role = LeagueRole.manager
    target.role = LeagueRole.owner
    access.league.owner_id = target.user_id
    audit(league_id, user, "ownership_transferred", from_user_id=current_owner.user_id, to_user_id=target.user_id)
    commit_or_conflict("Could not transfer ownership")
    return present(league_access(league_id, user, Need.view))


# --- teams -------------------------------------------------------------------------------------


def list_teams(league_id: int, user: User):
    """Every team the league has had, active ones first; teams that left keep their history."""
    league_access(league_id, user, Need.member)
    return (
        select(FantasyTeam)
        .where(FantasyTeam.league_id == league_id)
        .order_by(FantasyTeam.left_at.is_not(None), FantasyTeam.joined_at, FantasyTeam.id)
    )


def get_team(team_id: int, user: User) -> FantasyTeam:
    return team_access(team_id, user)[0]


def rename_team(team_id: int, user: User, name: str) -> FantasyTeam:
    team, access = team_access(team_id, user, lock=True)
    if team.user_id != user.id and not user.is_admin:
        raise Forbidden("You can only rename your own team")
    if not team.active:
        raise Conflict("This team has left the league")
    if _team_name_taken(team.league_id, name, except_user_id=team.user_id):
        raise Conflict("Team name already taken in this league", fields={"name": ["Already taken"]})
    if team.name != name:
        old = team.name
        team.name, team.name_key = name, case_key(name)
        audit(team.league_id, user, "team_renamed", team_id=team.id, old=old, new=name)
        _roster_changed(access.league)
        commit_or_conflict("Team name already taken in this league")
    return team
