"""Standings and team scores, derived where they are read from picks and the shared driver scores (§8);
a salary-cap league's rounds come from its locked lineups instead (salary_cap.py), ranked the same way (§13).

Order: points, then more race (round) wins within the league, then the higher best single pick (asset), then
the earlier join; teams equal on all of these share a rank (1, 2, 2, 4). A race win is the top race score
in the league (teams level at the top each get one). Movement compares the season rank with the rank
after the league's previous scored race.
"""
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from fantasy.auth.models import User
from fantasy.auth.tokens import Principal
from fantasy.drafts.models import Draft, DraftState, Pick
from fantasy.errors import NotFound
from fantasy.extensions import db
from fantasy.f1data.cards import CARD_COLUMNS, card, card_join
from fantasy.f1data.models import Driver, Race
from fantasy.leagues.access import LeagueFacts, Need, league_facts, team_access
from fantasy.leagues.models import FantasyTeam, League, LeagueFormat
from fantasy.scoring import cache, salary_cap
from fantasy.scoring.models import DriverScore
from fantasy.scoring.rules import points_text, ruleset_key
from fantasy.scoring.schemas import StandingRowSchema

ZERO = Decimal(0)
_ROW = StandingRowSchema(many=True)


@dataclass
class Line:
    team_id: int
    points: Decimal = ZERO
    wins: int = 0
    best_pick: Decimal | None = None
    joined_at: str = ""


def _race_scores(league_id: int,
                 ruleset: str) -> tuple[list[tuple[int, int]], dict[int, dict[int, tuple[Decimal, Decimal]]]]:
    """The league's scored races (race id, round) and, per race, each team's (points, best pick).

    One statement: the league's scored drafts (by round), their picks joined to the league's ruleset's
    driver scores, aggregated per race and team; a picked driver without a score (did not take part)
    counts 0, a scored draft without picks still lists its race.
    """
    points = func.coalesce(DriverScore.points, 0)
    rows = db.session.execute(
        select(Draft.race_id, Race.round, Pick.team_id, func.sum(points), func.max(points))
        .join(Race, Race.id == Draft.race_id)
        .outerjoin(Pick, Pick.draft_id == Draft.id)
        .outerjoin(DriverScore, (DriverScore.ruleset == ruleset) & (DriverScore.race_id == Pick.race_id)
                   & (DriverScore.driver_id == Pick.driver_id))
        .where(Draft.league_id == league_id, Draft.state == DraftState.scored)
        .group_by(Draft.race_id, Race.round, Pick.team_id)
        .order_by(Race.round)
    ).all()
    races: list[tuple[int, int]] = []
    per_race: dict[int, dict[int, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for race_id, round_, team_id, total, best in rows:
        if not races or races[-1][0] != race_id:
            races.append((race_id, round_))
        if team_id is not None:
            per_race[race_id][team_id] = (Decimal(total), Decimal(best))
    return races, per_race


def _rank(lines: list[Line]) -> list[dict]:
    def key(line: Line):
        best = line.best_pick if line.best_pick is not None else Decimal("-Infinity")
        return (-line.points, -line.wins, -best, line.joined_at)

    ordered = sorted(lines, key=lambda line: (key(line), line.team_id))
    ranked, previous_key, rank = [], None, 0
    for index, line in enumerate(ordered, start=1):
        if key(line) != previous_key:
            rank, previous_key = index, key(line)
        ranked.append({"team_id": line.team_id, "rank": rank, "points": points_text(line.points),
                       "race_wins": line.wins,
                       "best_pick": None if line.best_pick is None else points_text(line.best_pick)})
    return ranked


def _season_lines(teams: dict[int, str], races, per_race, upto: int | None = None) -> list[Line]:
    lines = {team_id: Line(team_id, joined_at=joined) for team_id, joined in teams.items()}
    for race_id, _round in races[:upto]:
        scores = per_race.get(race_id, {})
        top = max((total for total, _ in scores.values()), default=None)
        for team_id, (total, best) in scores.items():
            line = lines[team_id]
            line.points += total
            line.wins += total == top
            line.best_pick = best if line.best_pick is None else max(line.best_pick, best)
    return list(lines.values())


def _compute(league: LeagueFacts, race_id: int | None) -> list[dict]:
    # The league's format comes with its teams, in the one statement a draft league's read always made.
    rows = db.session.execute(
        select(League.format, FantasyTeam.id, FantasyTeam.name, FantasyTeam.joined_at)
        .outerjoin(FantasyTeam, FantasyTeam.league_id == League.id).where(League.id == league.id)
    ).all()
    teams = {team_id: (name, joined.isoformat()) for _format, team_id, name, joined in rows if team_id is not None}
    joined = {team_id: joined_at for team_id, (_name, joined_at) in teams.items()}
    if rows and rows[0][0] == LeagueFormat.salary_cap:
        races, per_race = salary_cap.race_scores(league.id)  # rounds of locked lineups, chips and penalties
    else:
        races, per_race = _race_scores(league.id, league.ruleset_key)
    if race_id is not None:
        if race_id not in {race for race, _ in races}:
            raise NotFound("This race has not been scored in this league")
        rows = [{**row, "movement": None} for row in _rank(_season_lines(joined, [(race_id, 0)], per_race))]
    else:
        rows = _rank(_season_lines(joined, races, per_race))
        before = ({row["team_id"]: row["rank"] for row in _rank(_season_lines(joined, races, per_race, upto=-1))}
                  if len(races) >= 2 else None)
        rows = [{**row, "movement": before[row["team_id"]] - row["rank"] if before else None} for row in rows]
    return [{**row, "team_name": teams[row["team_id"]][0]} for row in rows]


def standings(league_id: int, principal: Principal, race_id: int | None = None) -> list[str]:
    """Season standings (or one race's), team names included, each row as its JSON response text; cached
    per league in that form, so a cache hit is sliced into pages without loading and dumping the rows.

    The entry is current while the league's ruleset, its scores' versions and its roster version (bumped
    with every join, leave and rename) are those it was computed under, for the league of that creation
    time (scoring/cache.py).
    """
    scope = f"race-{race_id}" if race_id else "season"
    league, values, ruleset_version = league_facts(league_id, principal, Need.member, also=cache.keys(league_id, scope),
                                                   follow_ruleset=cache.RULESET_VERSION.format(""))
    entry = cache.read(league.ruleset_key, league_id, [league.created_at, league.roster_version], scope,
                       None if ruleset_version is None else [ruleset_version, *values])
    if entry.rows is None:
        entry.rows = [json.dumps(row, separators=(",", ":")) for row in _ROW.dump(_compute(league, race_id))]
        cache.write(entry)
    return entry.rows


def season_totals(league_id: int) -> dict[int, float]:
    """Each team's season points over the league's scored drafts (for reverse-standings order)."""
    league = db.session.get(League, league_id)
    races, per_race = _race_scores(league_id, ruleset_key(league.ruleset))
    totals: dict[int, float] = defaultdict(float)
    for race_id, _round in races:
        for team_id, (total, _best) in per_race.get(race_id, {}).items():
            totals[team_id] += float(total)
    return dict(totals)


def team_scores(team_id: int, user: User) -> list[dict]:
    """A team's scored races with every pick's points and line items."""
    team, access = team_access(team_id, user)
    key = ruleset_key(access.league.ruleset)
    statement = (
        select(Race.id, Race.round, Race.name, Pick.pick_number, Driver.ref, Pick.autopicked,
               DriverScore.points, DriverScore.breakdown, *CARD_COLUMNS)
        .join(Draft, Draft.id == Pick.draft_id).join(Race, Race.id == Pick.race_id)
        .join(Driver, Driver.id == Pick.driver_id)
        .outerjoin(DriverScore, (DriverScore.ruleset == key) & (DriverScore.race_id == Pick.race_id)
                   & (DriverScore.driver_id == Pick.driver_id))
        .where(Pick.team_id == team.id, Draft.state == DraftState.scored)
        .order_by(Race.round, Pick.pick_number)
    )
    rows = db.session.execute(card_join(statement, Race.season_year, Race.round)).all()
    races: dict[int, dict] = {}
    for race_id, round_, name, number, ref, autopicked, points, breakdown, *driver in rows:
        race = races.setdefault(race_id, {"race_id": race_id, "round": round_, "race_name": name,
                                          "points": ZERO, "picks": []})
        if points is None:  # substituted: the driver appears in none of the weekend's classifications
            points, breakdown = ZERO, {"did_not_take_part": "0.00"}
        race["points"] += points
        race["picks"].append({"pick_number": number, "driver_id": driver[0], "driver_ref": ref, "driver": card(*driver),
                              "autopicked": autopicked, "points": points_text(points), "breakdown": breakdown})
    return [{**race, "points": points_text(race["points"])} for race in races.values()]
