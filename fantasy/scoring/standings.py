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

from sqlalchemy import Text, and_, cast, func, or_, select

from fantasy.auth.models import User
from fantasy.auth.principal import Principal
from fantasy.common.schemas import json_number
from fantasy.drafts.models import Draft, DraftState, Pick
from fantasy.errors import NotFound
from fantasy.extensions import db
from fantasy.f1data.cards import CARD_COLUMNS, card, card_join
from fantasy.f1data.models import Driver, Race
from fantasy.leagues.access import LeagueFacts, Need, league_facts, team_access
from fantasy.leagues.models import FantasyTeam, League, LeagueFormat
from fantasy.scoring import cache, salary_cap
from fantasy.scoring.models import DriverScore
from fantasy.scoring.rules import ruleset_key
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


# A league's scored races in order (race id, round) and, per race, each team's (points, best pick).
Races = tuple[list[tuple[int, int]], dict[int, dict[int, tuple[Decimal, Decimal]]]]


def _race_scores(rulesets: dict[int, str]) -> dict[int, Races]:
    """Per league (its id -> its ruleset's key): its scored races (race id, round) and, per race, each team's
    (points, best pick).

    One statement for any number of leagues: their scored drafts (by round), the picks joined to each league's
    ruleset's driver scores, aggregated per league, race and team; a picked driver without a score (did not take
    part) counts 0, a scored draft without picks still lists its race.
    """
    if not rulesets:  # a delivery chunk of salary-cap leagues only
        return {}
    by_key: dict[str, list[int]] = defaultdict(list)
    for league_id, key in rulesets.items():
        by_key[key].append(league_id)
    if len(by_key) == 1:
        [key] = by_key
        scored_under = DriverScore.ruleset == key
    else:
        scored_under = or_(*(and_(DriverScore.ruleset == key, Draft.league_id.in_(ids)) for key, ids in by_key.items()))
    points = func.coalesce(DriverScore.points, 0)
    rows = db.session.execute(
        select(Draft.league_id, Draft.race_id, Race.round, Pick.team_id, func.sum(points), func.max(points))
        .join(Race, Race.id == Draft.race_id)
        .outerjoin(Pick, Pick.draft_id == Draft.id)
        .outerjoin(DriverScore, scored_under & (DriverScore.race_id == Pick.race_id)
                   & (DriverScore.driver_id == Pick.driver_id))
        .where(Draft.league_id.in_(sorted(rulesets)), Draft.state == DraftState.scored)
        .group_by(Draft.league_id, Draft.race_id, Race.round, Pick.team_id)
        .order_by(Race.round, Draft.race_id)
    ).all()
    leagues = {league_id: ([], defaultdict(dict)) for league_id in rulesets}
    for league_id, race_id, round_, team_id, total, best in rows:
        races, per_race = leagues[league_id]
        if not races or races[-1][0] != race_id:
            races.append((race_id, round_))
        if team_id is not None:
            per_race[race_id][team_id] = (Decimal(total), Decimal(best))
    return leagues


def _rank(lines: list[Line]) -> list[dict]:
    def key(line: Line):
        best = line.best_pick if line.best_pick is not None else Decimal("-Infinity")
        return (-line.points, -line.wins, -best, line.joined_at)

    ordered = sorted(lines, key=lambda line: (key(line), line.team_id))
    ranked, previous_key, rank = [], None, 0
    for index, line in enumerate(ordered, start=1):
        if key(line) != previous_key:
            rank, previous_key = index, key(line)
        ranked.append({"team_id": line.team_id, "rank": rank, "points": line.points, "race_wins": line.wins,
                       "best_pick": line.best_pick})
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


def _season_rows(joined: dict[int, str], races, per_race) -> list[dict]:
    """The season's ranked rows, each with its movement: the rank after the league's previous scored race less
    the rank now (None until two races are scored)."""
    rows = _rank(_season_lines(joined, races, per_race))
    before = ({row["team_id"]: row["rank"] for row in _rank(_season_lines(joined, races, per_race, upto=-1))}
              if len(races) >= 2 else None)
    return [{**row, "movement": before[row["team_id"]] - row["rank"] if before else None} for row in rows]


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
        races, per_race = _race_scores({league.id: league.ruleset_key})[league.id]
    if race_id is not None:
        if race_id not in {race for race, _ in races}:
            raise NotFound("This race has not been scored in this league")
        rows = [{**row, "movement": None} for row in _rank(_season_lines(joined, [(race_id, 0)], per_race))]
    else:
        rows = _season_rows(joined, races, per_race)
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
    if entry.value is None:
        entry.value = [json.dumps(row, separators=(",", ":")) for row in _ROW.dump(_compute(league, race_id))]
        cache.write(entry)
    return entry.value


def season_totals(league_id: int) -> dict[int, float]:
    """Each team's season points over the league's scored drafts (for reverse-standings order)."""
    league = db.session.get(League, league_id)
    races, per_race = _race_scores({league_id: ruleset_key(league.ruleset)})[league_id]
    totals: dict[int, float] = defaultdict(float)
    for race_id, _round in races:
        for team_id, (total, _best) in per_race.get(race_id, {}).items():
            totals[team_id] += float(total)
    return dict(totals)


# A league's ruleset as its stored JSON text: the database de-duplicates the texts, so Python decodes and
# keys a handful of rulesets rather than one per league (100k leagues: 1.5 s -> 0.05 s, bench/README.md).
RULESET_TEXT = cast(League.ruleset, Text)


def race_figures(race_id: int, league_ids: list[int]) -> dict[int, dict]:
    """Each team's figures for its race_scored / scores_corrected notification (§9), by team id: its points in
    this race, and its row of the season standings as a standings read shows it now (season total, rank, and
    the rank after the league's previous scored race, None when this is its first).

    Three statements for any number of draft leagues (the leagues, the teams, the scores) and the standings'
    own ranking per league, so a race-wide delivery chunk costs the same however the leagues are split; a
    salary-cap league's rounds are read league by league (salary_cap.race_scores), as its standings read them.
    """
    leagues = db.session.execute(select(League.id, League.format, RULESET_TEXT).where(League.id.in_(league_ids))).all()
    keys = {text: ruleset_key(json.loads(text)) for text in {text for _id, _format, text in leagues}}
    scores = _race_scores({league_id: keys[text] for league_id, format_, text in leagues
                           if format_ != LeagueFormat.salary_cap})
    scores.update({league_id: salary_cap.race_scores(league_id) for league_id, format_, _text in leagues
                   if format_ == LeagueFormat.salary_cap})
    joined: dict[int, dict[int, str]] = defaultdict(dict)
    teams = select(FantasyTeam.id, FantasyTeam.league_id, FantasyTeam.joined_at)
    for team_id, league_id, joined_at in db.session.execute(teams.where(FantasyTeam.league_id.in_(league_ids))):
        joined[league_id][team_id] = joined_at.isoformat()
    figures = {}
    for league_id, (races, per_race) in scores.items():
        in_race = per_race.get(race_id, {})
        for row in _season_rows(joined[league_id], races, per_race):
            team_id, movement = row["team_id"], row["movement"]
            figures[team_id] = {"round_points": json_number(in_race.get(team_id, (ZERO, ZERO))[0]),
                                "season_points": json_number(row["points"]), "rank": row["rank"],
                                "previous_rank": None if movement is None else row["rank"] + movement}
    return figures


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
            points, breakdown = ZERO, {"did_not_take_part": ZERO}
        race["points"] += points
        race["picks"].append({"pick_number": number, "driver_id": driver[0], "driver_ref": ref, "driver": card(*driver),
                              "autopicked": autopicked, "points": points, "breakdown": breakdown})
    return list(races.values())
