"""Load users, leagues, teams and a season of drafted, scored picks (or locked salary-cap lineups) into the
bench PostgreSQL fast.

Everything is set-based (INSERT ... SELECT generate_series) on top of the real F1 data of the bundled
snapshot: the season's races that have a race classification get one draft per league (snake, 2 picks per
team, every driver of the classification picked once per league) and are then scored by the product's own
`score_race`. With `--format salary_cap` the leagues are salary-cap leagues instead: the first `--rounds`
classified races get a locked round per league and a locked lineup per team (5 drivers, 2 constructors, a
boost, chips and transfer penalties spread over the teams), scored the same way. Secondary indexes are dropped
for the load and rebuilt after it, as pg_restore does.

    python bench/generate.py --teams 100000            # 10,000 leagues of 10 teams
    python bench/generate.py --teams 1000000 --season 2023
    python bench/generate.py --teams 1000000 --format salary_cap --rounds 2
"""
import argparse
import json
import subprocess
import sys
import time

from _env import ROOT, app_env, connect, log, make_app, timed

BIG_TABLES = ("users", "leagues", "memberships", "fantasy_teams", "drafts", "picks", "lineup_rounds", "lineups",
              "lineup_assets")
SALARY_CAP = "salary_cap"
# A salary-cap team's chip per round, by (team + round) mod 20: each chip on 1 team in 20, no chip on 15 in 20.
CHIP_SLOTS = ["extra_boost", "no_negative", "autopilot", "wildcard", "limitless"]
TEAMS_PER_LEAGUE = 10
PICKS_PER_TEAM = 2
# League rulesets: mostly presets, some custom ones shared by several leagues (content-keyed).
CUSTOM_RULESETS = [
    {"race_points": [30 - 2 * i for i in range(12)], "race_fastest_lap": k, "race_not_classified": -k}
    for k in (3, 5)
]


def ruleset_texts() -> list[str]:
    """The JSON texts leagues are given, in the proportions of a plausible population (20 slots)."""
    presets = ["standard"] * 10 + ["fantasy"] * 5 + ["inverted"] * 3
    return [json.dumps(name) for name in presets] + [json.dumps(rules) for rules in CUSTOM_RULESETS[:2]]


def migrate() -> None:
    env = app_env()
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def ensure_f1(app) -> None:
    from sqlalchemy import func, select

    from fantasy.extensions import db
    from fantasy.f1data.models import Race
    from fantasy.f1data.service import load_snapshot

    with app.app_context():
        if not db.session.scalar(select(func.count(Race.id))):
            log(f"F1 snapshot loaded: {load_snapshot()}")


def scored_races(cur, season: int) -> list[tuple[int, int, list[int]]]:
    """(race id, round, classified driver ids) of the season's races with a race classification."""
    cur.execute(
        """SELECT r.id, r.round, array_agg(sr.driver_id ORDER BY sr.driver_id)
           FROM races r JOIN session_results sr ON sr.race_id = r.id AND sr.session = 'race'
           WHERE r.season_year = %s GROUP BY r.id, r.round ORDER BY r.round""",
        (season,),
    )
    return cur.fetchall()


def drop_secondary_indexes(cur) -> list[str]:
    """Drop unique constraints and plain indexes (primary keys stay); return the DDL that rebuilds them."""
    cur.execute(
        """SELECT format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname,
                         pg_get_constraintdef(c.oid)),
                  format('ALTER TABLE %%I DROP CONSTRAINT %%I', c.conrelid::regclass, c.conname)
           FROM pg_constraint c WHERE c.contype = 'u' AND c.conrelid::regclass::text = ANY(%s)""",
        (list(BIG_TABLES),),
    )
    rebuild, drops = [], []
    for create, drop in cur.fetchall():
        rebuild.append(create)
        drops.append(drop)
    cur.execute(
        """SELECT i.indexdef, format('DROP INDEX %%I', i.indexname) FROM pg_indexes i
           WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        (list(BIG_TABLES),),
    )
    for create, drop in cur.fetchall():
        rebuild.append(create)
        drops.append(drop)
    for statement in drops:
        cur.execute(statement)
    return rebuild


def scored_constructors(cur, race_id: int) -> list[int]:
    cur.execute("SELECT array_agg(DISTINCT constructor_id ORDER BY constructor_id) FROM session_results "
                "WHERE race_id = %s AND session = 'race'", (race_id,))
    return cur.fetchone()[0]


def generate(teams: int, season: int, password_hash: str, league_format: str = "draft", rounds: int = 2) -> dict:
    timings: dict[str, float] = {}
    leagues = teams // TEAMS_PER_LEAGUE
    teams = leagues * TEAMS_PER_LEAGUE
    rulesets = ruleset_texts()
    conn = connect()
    cur = conn.cursor()
    races = scored_races(cur, season)
    if not races:
        raise SystemExit(f"No race classification stored for {season}")
    salary_cap = league_format == SALARY_CAP
    if salary_cap:
        races = races[:rounds]
        rulesets = [json.dumps("f1_fantasy_2025")]
    rows = (f"{teams * 7 * len(races):,} lineup assets" if salary_cap
            else f"{teams * PICKS_PER_TEAM * len(races):,} picks")
    log(f"generating {teams:,} {league_format} teams in {leagues:,} leagues, season {season}, scored rounds "
        f"{[round_ for _, round_, _ in races]}, {rows}")
    cur.execute("SET session_replication_role = replica")  # no per-row FK triggers; rows are valid by construction
    cur.execute("SET maintenance_work_mem = '512MB'")
    cur.execute("SET synchronous_commit = off")
    started = time.perf_counter()
    with timed("truncate", timings):
        cur.execute("TRUNCATE users, leagues, memberships, fantasy_teams, drafts, picks, pick_queues, "
                    "driver_scores, league_events, lineup_rounds, lineups, lineup_assets CASCADE")
    rebuild = drop_secondary_indexes(cur)
    with timed("users", timings):
        cur.execute(
            """INSERT INTO users (id, username, username_key, email, email_key, password_hash, role, is_active,
                                  created_at)
               SELECT i, 'u' || i, 'u' || i, 'u' || i || '@bench.invalid', 'u' || i || '@bench.invalid', %s, 'user',
                      true, timestamp '2023-01-01' + i * interval '1 second'
               FROM generate_series(1, %s) i""",
            (password_hash, teams),
        )
    with timed("leagues", timings):
        cur.execute(
            """INSERT INTO leagues (id, name, description, season, mode, visibility, max_teams, picks_per_team,
                                   draft_method, order_strategy, pick_seconds, draft_opens_hours, autopick_on_lock,
                                   ruleset, invite_code, owner_id, created_at, format, budget)
               SELECT j, 'League ' || j, '', %s, 'live', CASE WHEN j %% 4 = 0 THEN 'public' ELSE 'private' END,
                      %s, %s, 'snake', 'rotation', 0, 96, true,
                      ((%s::text[])[1 + (j * 7919) %% %s])::json, 'bench' || j, (j - 1) * %s + 1,
                      timestamp '2023-01-01', %s, %s
               FROM generate_series(1, %s) j""",
            (season, TEAMS_PER_LEAGUE, PICKS_PER_TEAM, rulesets, len(rulesets), TEAMS_PER_LEAGUE,
             league_format, 100.0 if salary_cap else None, leagues),
        )
    with timed("memberships + teams", timings):
        cur.execute(
            """INSERT INTO memberships (id, league_id, user_id, role, joined_at)
               SELECT i, (i - 1) / %s + 1, i, CASE WHEN (i - 1) %% %s = 0 THEN 'owner' ELSE 'member' END,
                      timestamp '2023-01-02' + ((i - 1) %% %s) * interval '1 minute'
               FROM generate_series(1, %s) i""",
            (TEAMS_PER_LEAGUE, TEAMS_PER_LEAGUE, TEAMS_PER_LEAGUE, teams),
        )
        cur.execute(
            """INSERT INTO fantasy_teams (id, league_id, user_id, name, name_key, joined_at)
               SELECT i, (i - 1) / %s + 1, i, 'Team ' || i, 'team ' || i,
                      timestamp '2023-01-02' + ((i - 1) %% %s) * interval '1 minute'
               FROM generate_series(1, %s) i""",
            (TEAMS_PER_LEAGUE, TEAMS_PER_LEAGUE, teams),
        )
    if salary_cap:
        for index, (race_id, round_, drivers) in enumerate(races):
            with timed(f"lineup rounds + lineups + assets round {round_}", timings):
                load_lineups(cur, index, race_id, drivers, scored_constructors(cur, race_id), leagues, teams)
    per_slot = TEAMS_PER_LEAGUE * PICKS_PER_TEAM
    for index, (race_id, round_, drivers) in enumerate([] if salary_cap else races):
        if len(drivers) < per_slot:
            raise SystemExit(f"race {race_id} classifies {len(drivers)} drivers, fewer than {per_slot} picks")
        with timed(f"drafts + picks round {round_}", timings):
            # Draft ids: index * leagues + j. Snake order 1..10, 10..1; the order is the league's teams.
            cur.execute(
                """INSERT INTO drafts (id, league_id, race_id, state, "order", method, picks_per_team, current_pick,
                                      created_at)
                   SELECT %s * %s + j, j, %s, 'locked',
                          json_build_array((j-1)*10+1, (j-1)*10+2, (j-1)*10+3, (j-1)*10+4, (j-1)*10+5,
                                           (j-1)*10+6, (j-1)*10+7, (j-1)*10+8, (j-1)*10+9, (j-1)*10+10),
                          'snake', %s, %s, timestamp '2023-01-03'
                   FROM generate_series(1, %s) j""",
                (index, leagues, race_id, PICKS_PER_TEAM, per_slot + 1, leagues),
            )
            # Pick p of league j: team by the snake, driver = the (p + league offset)-th classified driver.
            cur.execute(
                """INSERT INTO picks (id, draft_id, league_id, race_id, pick_number, team_id, driver_id, autopicked,
                                     picked_at)
                   SELECT (%s * %s + j - 1) * %s + p, %s * %s + j, j, %s, p,
                          (j - 1) * %s + CASE WHEN p <= %s THEN p ELSE 2 * %s + 1 - p END,
                          (%s::int[])[1 + (p + j * 7) %% %s], p %% 7 = 0, timestamp '2023-01-04'
                   FROM generate_series(1, %s) j CROSS JOIN generate_series(1, %s) p""",
                (index, leagues, per_slot, index, leagues, race_id, TEAMS_PER_LEAGUE, TEAMS_PER_LEAGUE,
                 TEAMS_PER_LEAGUE, drivers, len(drivers), leagues, per_slot),
            )
    with timed("rebuild indexes", timings):
        for statement in rebuild:
            cur.execute(statement)
    cur.execute("SET session_replication_role = origin")
    for table in BIG_TABLES:
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))")
    conn.commit()
    with timed("vacuum analyze", timings):
        conn.autocommit = True
        for table in BIG_TABLES:
            cur.execute(f"VACUUM ANALYZE {table}")
    conn.close()
    timings["load total"] = time.perf_counter() - started
    log(f"loaded in {timings['load total']:.1f} s")
    return {"races": [race_id for race_id, _, _ in races], "timings": timings}


def load_lineups(cur, index: int, race_id: int, drivers: list[int], constructors: list[int], leagues: int,
                 teams: int) -> None:
    """One locked round per league and one locked lineup per team for the `index`-th generated race: team i
    holds 5 consecutive classified drivers and 2 consecutive constructors from an offset of its own, the first
    driver boosted; chips by CHIP_SLOTS (extra_boost on the second driver); every fifth team paid one transfer
    (10 points). Lineup ids: index * teams + i; asset ids: (lineup id - 1) * 7 + k."""
    cur.execute(
        """INSERT INTO lineup_rounds (id, league_id, race_id, locked_at)
           SELECT %s * %s + j, j, %s, timestamp '2023-01-03' FROM generate_series(1, %s) j""",
        (index, leagues, race_id, leagues),
    )
    n, m = len(drivers), len(constructors)
    cur.execute(
        """INSERT INTO lineups (id, team_id, race_id, chip, boost_driver_id, extra_boost_driver_id, locked_at, bank,
                               transfers, free_transfers, penalty)
           SELECT %(index)s * %(teams)s + i, i, %(race)s, chip, (%(drivers)s::int[])[1 + (i * 7) %% %(n)s],
                  CASE WHEN chip = 'extra_boost' THEN (%(drivers)s::int[])[1 + (i * 7 + 1) %% %(n)s] END,
                  timestamp '2023-01-03', 1.5, CASE WHEN %(index)s = 0 THEN 0 ELSE 2 + (i %% 5 = 0)::int END,
                  CASE WHEN %(index)s = 0 THEN 0 ELSE 2 END,
                  CASE WHEN %(index)s > 0 AND i %% 5 = 0 AND coalesce(chip, '') NOT IN ('wildcard', 'limitless')
                       THEN 10 ELSE 0 END
           FROM generate_series(1, %(teams)s) i,
                LATERAL (SELECT (%(chips)s::text[])[1 + (i + %(index)s) %% 20] AS chip) c""",
        {"index": index, "teams": teams, "race": race_id, "drivers": drivers, "n": n, "chips": CHIP_SLOTS},
    )
    cur.execute(
        """INSERT INTO lineup_assets (id, lineup_id, driver_id, constructor_id, price)
           SELECT (l - 1) * 7 + k, l,
                  CASE WHEN k <= 5 THEN (%(drivers)s::int[])[1 + (i * 7 + k - 1) %% %(n)s] END,
                  CASE WHEN k > 5 THEN (%(constructors)s::int[])[1 + (i * 3 + k - 6) %% %(m)s] END,
                  10.0
           FROM generate_series(1, %(teams)s) i, LATERAL (SELECT %(index)s * %(teams)s + i AS l) ids,
                generate_series(1, 7) k""",
        {"index": index, "teams": teams, "drivers": drivers, "n": n, "constructors": constructors, "m": m},
    )


def score_all(app, race_ids: list[int], timings: dict) -> None:
    """First scoring of every generated round by the product (marks the drafts scored)."""
    from fantasy.common.redis import get_redis
    from fantasy.scoring.service import score_race

    with app.app_context():
        get_redis().flushdb()  # the bench Redis database only: cached standings of an older dataset
        for race_id in race_ids:
            with timed(f"first scoring of race {race_id}", timings):
                score_race(race_id)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--season", type=int, default=2023)
    parser.add_argument("--format", choices=("draft", SALARY_CAP), default="draft")
    parser.add_argument("--rounds", type=int, default=2, help="salary cap: how many classified rounds get lineups")
    args = parser.parse_args(argv)
    from werkzeug.security import generate_password_hash

    migrate()
    app = make_app()
    ensure_f1(app)
    result = generate(args.teams, args.season, generate_password_hash("bench-password"), args.format, args.rounds)
    score_all(app, result["races"], result["timings"])
    result["timings"]["total"] = sum(
        seconds for label, seconds in result["timings"].items() if label == "load total" or label.startswith("first"))
    log(f"generation total (load + first scoring): {result['timings']['total']:.1f} s")
    return result


if __name__ == "__main__":
    main()
