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

from sqlalchemy import Integer, Numeric, String, Text, case, cast, column, func, select, type_coerce, values

from fantasy.auth.models import User
from fantasy.auth.principal import Principal
from fantasy.common.schemas import json_number
from fantasy.drafts.models import Draft, DraftState, Pick
from fantasy.errors import NotFound
from fantasy.extensions import db
from fantasy.f1data.cards import CARD_COLUMNS, card, card_join
from fantasy.f1data.models import Driver, Race
from fantasy.leagues.access import LeagueFacts, Need, facts_ahead, league_facts, team_access
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


# A pick's score under a ruleset, joined on the ruleset's key besides these.
SCORE_OF_PICK = (DriverScore.race_id == Pick.race_id) & (DriverScore.driver_id == Pick.driver_id)


def _race_scores(league_id: int, key: str) -> Races:
    """A draft league's scored races (race id, round) and, per race, each team's (points, best pick) under its
    ruleset's key: its scored drafts (by round), the picks joined to the ruleset's driver scores, aggregated per
    race and team; a picked driver without a score (did not take part) counts 0, a scored draft without picks
    still lists its race.
    """
    points = func.coalesce(DriverScore.points, 0)
    rows = db.session.execute(
        select(Draft.race_id, Race.round, Pick.team_id, func.sum(points), func.max(points))
        .join(Race, Race.id == Draft.race_id)
        .outerjoin(Pick, Pick.draft_id == Draft.id)
        .outerjoin(DriverScore, (DriverScore.ruleset == key) & SCORE_OF_PICK)
        .where(Draft.league_id == league_id, Draft.state == DraftState.scored)
        .group_by(Draft.race_id, Race.round, Pick.team_id)
        .order_by(Race.round, Draft.race_id)
    ).all()
    races, per_race = [], defaultdict(dict)
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
        races, per_race = _race_scores(league.id, league.ruleset_key)
    if race_id is not None:
        if race_id not in {race for race, _ in races}:
            raise NotFound("This race has not been scored in this league")
        rows = [{**row, "movement": None} for row in _rank(_season_lines(joined, [(race_id, 0)], per_race))]
    else:
        rows = _season_rows(joined, races, per_race)
    return [{**row, "team_name": teams[row["team_id"]][0]} for row in rows]


def _cache_reads(league_id: int, scope: str) -> dict:
    """What a standings read asks of Redis beside the access snapshot: the entry's keys and its ruleset's version."""
    return {"also": cache.keys(league_id, scope), "follow_ruleset": cache.RULESET_VERSION.format("")}


def read_ahead(league_id: int) -> None:
    """Have the token check make the season standings' Redis read too (leagues/access.facts_ahead)."""
    facts_ahead(league_id, **_cache_reads(league_id, "season"))


def standings(league_id: int, principal: Principal, race_id: int | None = None) -> list[str]:
    """Season standings (or one race's), team names included, each row as its JSON response text; cached
    per league in that form, so a cache hit is sliced into pages without loading and dumping the rows.

    The entry is current while the league's ruleset, its scores' versions and its roster version (bumped
    with every join, leave and rename) are those it was computed under, for the league of that creation
    time (scoring/cache.py).
    """
    scope = f"race-{race_id}" if race_id else "season"
    league, values, ruleset_version = league_facts(league_id, principal, Need.member, **_cache_reads(league_id, scope))
    entry = cache.read(league.ruleset_key, league_id, [league.created_at, league.roster_version], scope,
                       None if ruleset_version is None else [ruleset_version, *values])
    if entry.value is None:
        entry.value = [json.dumps(row, separators=(",", ":")) for row in _ROW.dump(_compute(league, race_id))]
        cache.write(entry)
    return entry.value


def season_totals(league_id: int) -> dict[int, float]:
    """Each team's season points over the league's scored drafts (for reverse-standings order)."""
    league = db.session.get(League, league_id)
    races, per_race = _race_scores(league_id, ruleset_key(league.ruleset))
    totals: dict[int, float] = defaultdict(float)
    for race_id, _round in races:
        for team_id, (total, _best) in per_race.get(race_id, {}).items():
            totals[team_id] += float(total)
    return dict(totals)


# A league's ruleset as its stored JSON text: the database de-duplicates the texts, so Python decodes and
# keys a handful of rulesets rather than one per league (100k leagues: 1.5 s -> 0.05 s, bench/README.md).
RULESET_TEXT = cast(League.ruleset, Text)


POINTS = Numeric(12, 2)  # sums read back as Decimals on both engines (SQLite's are floats)


def _rank_over(points, wins, best):
    """RANK() in a league by the order of `_rank`: points, race wins, best pick (none last), the earlier join."""
    return func.rank().over(partition_by=FantasyTeam.league_id, order_by=(
        func.coalesce(points, 0).desc(), func.coalesce(wins, 0).desc(), best.desc().nulls_last(),
        FantasyTeam.joined_at))


def _draft_figures(race_id: int, rulesets: dict[int, str]) -> dict[int, dict]:
    """race_figures of draft leagues (id -> ruleset key) in one statement, ranked by the database as `_season_rows`
    ranks in Python: per team and scored race its total and best pick (the picks joined to the league's ruleset's
    scores, as `_race_scores` sums them) and whether it is the race's top total in the league (a win); per team the
    season's sums, and the same sums without the league's latest scored race (the previous rank); then RANK()
    over every team of the league, a team without picks at 0 with no best pick. Totals are rounded to the stored
    cents, so SQLite's floating-point sums compare as PostgreSQL's exact ones do.
    """
    if not rulesets:
        return {}
    # The chunk's leagues with their keys, as a table: the picks join their scores on equalities (hash joins).
    leagues = values(column("league_id", Integer), column("ruleset", String), name="chunk_leagues").data(
        sorted(rulesets.items())).cte("chunk_leagues")
    drafts = (select(Draft.league_id, Draft.race_id, Draft.id, leagues.c.ruleset)
              .join(leagues, leagues.c.league_id == Draft.league_id).where(Draft.state == DraftState.scored)
              .cte("scored_drafts"))
    races = (select(drafts.c.league_id, drafts.c.race_id, func.count().over(partition_by=drafts.c.league_id)
                    .label("races"),
                    func.row_number().over(partition_by=drafts.c.league_id,
                                           order_by=(Race.round.desc(), drafts.c.race_id.desc())).label("back"))
             .join(Race, Race.id == drafts.c.race_id).cte("league_races"))  # back 1: the latest
    points = func.coalesce(DriverScore.points, 0)
    per_race = (select(drafts.c.league_id, drafts.c.race_id, Pick.team_id,
                       func.round(func.sum(points), 2).label("total"), func.max(points).label("best"))
                .join(Pick, Pick.draft_id == drafts.c.id)
                .outerjoin(DriverScore, (DriverScore.ruleset == drafts.c.ruleset) & SCORE_OF_PICK)
                .group_by(drafts.c.league_id, drafts.c.race_id, Pick.team_id).cte("team_races"))
    top = func.max(per_race.c.total).over(partition_by=(per_race.c.league_id, per_race.c.race_id))
    won = (select(per_race.c.race_id, per_race.c.team_id, per_race.c.total, per_race.c.best, races.c.back,
                  case((per_race.c.total == top, 1), else_=0).label("win"))
           .join(races, (races.c.league_id == per_race.c.league_id) & (races.c.race_id == per_race.c.race_id))
           .cte("team_wins"))
    earlier = won.c.back > 1
    season = (select(won.c.team_id, func.round(func.sum(won.c.total), 2).label("points"),
                     func.sum(won.c.win).label("wins"), func.max(won.c.best).label("best"),
                     func.round(func.sum(case((earlier, won.c.total), else_=0)), 2).label("before_points"),
                     func.sum(case((earlier, won.c.win), else_=0)).label("before_wins"),
                     func.max(case((earlier, won.c.best))).label("before_best"),
                     func.round(func.sum(case((won.c.race_id == race_id, won.c.total), else_=0)), 2).label("in_race"))
              .group_by(won.c.team_id).cte("team_seasons"))
    counts = select(races.c.league_id, races.c.races).where(races.c.back == 1).subquery("league_counts")
    rows = db.session.execute(
        select(FantasyTeam.id, type_coerce(func.coalesce(season.c.in_race, 0), POINTS),
               type_coerce(func.coalesce(season.c.points, 0), POINTS), counts.c.races,
               _rank_over(season.c.points, season.c.wins, season.c.best),
               _rank_over(season.c.before_points, season.c.before_wins, season.c.before_best))
        .outerjoin(season, season.c.team_id == FantasyTeam.id)
        .outerjoin(counts, counts.c.league_id == FantasyTeam.league_id)
        .where(FantasyTeam.league_id.in_(sorted(rulesets)))
    ).all()
    return {team_id: {"round_points": json_number(in_race), "season_points": json_number(total), "rank": rank,
                      "previous_rank": before if (scored or 0) >= 2 else None}
            for team_id, in_race, total, scored, rank, before in rows}


def race_figures(race_id: int, league_ids: list[int]) -> dict[int, dict]:
    """Each team's figures for its race_scored / scores_corrected notification (§9), by team id: its points in
    this race, and its row of the season standings as a standings read shows it now (season total, rank, and
    the rank after the league's previous scored race, None when this is its first).

    Two statements for any number of draft leagues (the leagues, then `_draft_figures`: the database ranks), so a
    race-wide delivery chunk costs the same however the leagues are split; a salary-cap league's rounds are read
    and ranked league by league (salary_cap.race_scores, `_season_rows`), as its standings read them.
    """
    leagues = db.session.execute(select(League.id, League.format, RULESET_TEXT).where(League.id.in_(league_ids))).all()
    keys = {text: ruleset_key(json.loads(text)) for text in {text for _id, _format, text in leagues}}
    figures = _draft_figures(race_id, {league_id: keys[text] for league_id, format_, text in leagues
                                       if format_ != LeagueFormat.salary_cap})
    capped = [league_id for league_id, format_, _text in leagues if format_ == LeagueFormat.salary_cap]
    joined: dict[int, dict[int, str]] = defaultdict(dict)
    if capped:
        teams = select(FantasyTeam.id, FantasyTeam.league_id, FantasyTeam.joined_at)
        for team_id, league_id, joined_at in db.session.execute(teams.where(FantasyTeam.league_id.in_(capped))):
            joined[league_id][team_id] = joined_at.isoformat()
    for league_id in capped:
        races, per_race = salary_cap.race_scores(league_id)
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
