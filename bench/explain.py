"""EXPLAIN (ANALYZE, BUFFERS) of the hot queries, exactly as the product issues them.

Records every statement of a result correction (`score_race` after P1/P2 swap places) and of an uncached
standings read of an affected league, then explains each distinct one in a transaction that is rolled
back (writes included). Run on a generated dataset; prints Markdown.

    python bench/explain.py > bench/results/explain.md
"""
import re

from sqlalchemy import event

from _env import connect, make_app
from rescore import affected_league, correct

WANTED = re.compile(r"driver_scores|leagues|picks|drafts|fantasy_teams|memberships|users", re.I)


def record(app, action) -> list[tuple[str, object]]:
    from fantasy.extensions import db

    seen: list[tuple[str, object]] = []
    with app.app_context():
        def capture(conn, cursor, statement, parameters, context, executemany):
            seen.append((statement, parameters[0] if executemany and parameters else parameters))

        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            action()
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
            db.session.remove()
    return seen


def explain(statements, title: str) -> None:
    conn = connect()
    cur = conn.cursor()
    done = set()
    print(f"\n### {title}\n")
    for statement, parameters in statements:
        shape = re.sub(r"\s+", " ", statement)
        if shape in done or not WANTED.search(statement) or shape.startswith(("SAVEPOINT", "RELEASE")):
            continue
        done.add(shape)
        sql = cur.mogrify(statement, parameters).decode()
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row for (row,) in cur.fetchall())
        conn.rollback()
        print(f"```sql\n{sql[:1500]}\n```\n```\n{plan}\n```\n")
    conn.close()


def main() -> None:
    app = make_app()
    from fantasy.auth.principal import Principal
    from fantasy.common.redis import get_redis
    from fantasy.leagues.access import FACTS, Need, league_facts
    from fantasy.scoring import cache, standings
    from fantasy.scoring.service import score_race

    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM fantasy_teams")
    (teams,) = cur.fetchone()
    cur.execute("SELECT DISTINCT race_id FROM drafts WHERE state = 'scored' ORDER BY race_id DESC LIMIT 1")
    (race_id,) = cur.fetchone()
    conn.close()
    league_id, owner_id = affected_league(race_id)
    print(f"## EXPLAIN (ANALYZE, BUFFERS) on {teams:,} teams (race {race_id}, league {league_id})")
    correct(race_id)
    explain(record(app, lambda: score_race(race_id)), "score_race: a result correction")
    owner = Principal(owner_id, is_admin=False)
    explain(record(app, lambda: standings._compute(league_facts(league_id, owner, Need.member)[0], None)),
            "standings: the uncached recompute of one league")

    def cold_access():
        get_redis().delete(FACTS.format(league_id, owner_id), cache.ENTRY.format(league_id, "season"))
        standings.standings(league_id, owner)

    explain(record(app, cold_access), "standings: the league access check on a snapshot miss (a hit makes no SQL)")


if __name__ == "__main__":
    main()
