"""End to end (issue 19): a 2023 replay salary-cap league plays four rounds through the HTTP API — lineups PUT,
carried over, transfers with a penalty, every chip (extra_boost, wildcard, limitless, no_negative, autopilot) —
the manager locks each round and a real RQ worker scores it; the standings then equal a computation written
here by hand from the stored f1_fantasy_2025 asset scores."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from drafts_helpers import API, race_id
from fantasy.extensions import db
from fantasy.f1data.models import Constructor, Driver
from fantasy.scoring.models import AssetScore
from lineups_helpers import CapLeague
from notifications_helpers import drain

pytestmark = pytest.mark.usefixtures("priced")

A1 = (["max_verstappen", "alonso", "stroll", "albon", "hulkenberg"], ["aston_martin", "williams"])
A2 = (["max_verstappen", "alonso", "gasly", "zhou", "sargeant"], ["aston_martin", "haas"])  # 4 transfers
B1 = (["perez", "norris", "gasly", "zhou", "sargeant"], ["mclaren", "haas"])
C1 = (["leclerc", "hamilton", "ocon", "tsunoda", "de_vries"], ["alphatauri", "alfa"])
B3 = (["max_verstappen", "leclerc", "perez", "sainz", "hamilton"], ["red_bull", "ferrari"])  # over budget


def points(app, round_: int) -> dict[str, tuple[Decimal, Decimal]]:
    """A round's stored f1_fantasy_2025 scores by ref: (points, the sum of its positive line items)."""
    race = race_id(app, 2023, round_)
    with app.app_context():
        drivers = dict(db.session.execute(select(Driver.id, Driver.ref)).all())
        constructors = dict(db.session.execute(select(Constructor.id, Constructor.ref)).all())
        rows = db.session.scalars(select(AssetScore).where(AssetScore.ruleset == "f1_fantasy_2025",
                                                           AssetScore.race_id == race)).all()
        return {drivers[row.driver_id] if row.driver_id else constructors[row.constructor_id]:
                (row.points, sum(max(Decimal(value), Decimal(0)) for value in row.breakdown.values()))
                for row in rows}


def lock_and_score(app, league: CapLeague, round_: int) -> None:
    drain(app)
    response = league.lock_round(round_)
    assert response.status_code == 200, response.get_json()
    drain(app)  # the real worker runs the score-race job the lock queued


def ok(response):
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_replay_salary_cap_league_plays_four_rounds_with_every_chip(app, client, make_user):
    league = CapLeague(client, make_user, app)
    a, b, c = league.teams

    # Round 1: first lineups are free; B plays no_negative, C extra_boost (Leclerc 3x, Hamilton 2x).
    ok(league.put(a, 1, *A1, boost="alonso"))
    ok(league.put(b, 1, *B1, boost="perez", chip="no_negative"))
    ok(league.put(c, 1, *C1, boost="hamilton", chip="extra_boost", extra_boost="leclerc"))
    lock_and_score(app, league, 1)

    # Round 2: A makes 4 transfers (a penalty) and plays autopilot; B a wildcard (7 transfers, free); C carries.
    preview = ok(league.put(a, 2, *A2, boost="gasly", chip="autopilot"))
    assert preview["transfers"] == 4 and preview["penalty"] == 10 * (4 - preview["free_transfers"]) > 0
    ok(league.put(b, 2, *A1, boost="max_verstappen", chip="wildcard"))  # all 7 assets change
    lock_and_score(app, league, 2)
    a2, b2 = ok(league.get(a, 2)), ok(league.get(b, 2))
    assert (a2["penalty"], b2["transfers"], b2["penalty"]) == (preview["penalty"], 7, 0)
    penalty = a2["penalty"]

    # Round 3: B plays limitless over the budget; C no_negative on its carried lineup; A carries.
    ok(league.put(b, 3, *B3, boost="sainz", chip="limitless"))
    ok(league.put(c, 3, *C1, boost="hamilton", chip="no_negative"))
    lock_and_score(app, league, 3)

    # Round 4: nobody changes anything: B's lineup returns to round 2's after its limitless round.
    lock_and_score(app, league, 4)
    assert {(driver["id"], driver["multiplier"]) for driver in ok(league.get(b, 4))["drivers"]} == {
        (driver["id"], driver["multiplier"]) for driver in b2["drivers"]}

    p = {round_: {ref: value for ref, (value, _positive) in points(app, round_).items()} for round_ in (1, 2, 3, 4)}
    positive = {round_: {ref: value for ref, (_value, value) in points(app, round_).items()} for round_ in (1, 3)}

    def plain(round_, lineup, boost):
        return sum(p[round_][ref] for ref in lineup[0] + lineup[1]) + p[round_][boost]

    best_a2 = max(A2[0], key=lambda ref: p[2][ref])
    expected_rounds = {
        a: [plain(1, A1, "alonso"),
            sum(p[2][ref] for ref in A2[0] + A2[1]) + p[2][best_a2] - penalty,   # autopilot, penalty
            plain(3, A2, "gasly"), plain(4, A2, "gasly")],                        # carried: chip gone
        b: [sum(positive[1][ref] for ref in B1[0] + B1[1]) + positive[1]["perez"],  # no_negative
            plain(2, A1, "max_verstappen"),                                          # wildcard: free
            plain(3, B3, "sainz"),                                                   # limitless
            plain(4, A1, "max_verstappen")],                                         # back to round 2's
        c: [plain(1, C1, "hamilton") + 2 * p[1]["leclerc"],                          # extra_boost
            plain(2, C1, "hamilton"),
            sum(positive[3][ref] for ref in C1[0] + C1[1]) + positive[3]["hamilton"],  # no_negative
            plain(4, C1, "hamilton")],
    }
    assert p[1]["leclerc"] < 0 < positive[1]["perez"]  # Leclerc retired in Bahrain (-20 and more)
    standings = ok(client.get(f"{API}/leagues/{league.id}/standings", headers=league.owner["headers"]))
    totals = {team: sum(rounds) for team, rounds in expected_rounds.items()}
    assert {row["team_id"]: Decimal(row["points"]) for row in standings} == totals
    assert [row["team_id"] for row in standings] == sorted(totals, key=lambda team: -totals[team])
    wins = {team: sum(expected_rounds[team][index] == max(rounds[index] for rounds in expected_rounds.values())
                      for index in range(4)) for team in expected_rounds}
    assert {row["team_id"]: row["race_wins"] for row in standings} == wins
    for index, round_ in enumerate((1, 2, 3, 4)):
        url, query = f"{API}/leagues/{league.id}/standings", {"race_id": race_id(app, 2023, round_)}
        view = ok(client.get(url, query_string=query, headers=league.owner["headers"]))
        assert {row["team_id"]: Decimal(row["points"]) for row in view} == {
            team: rounds[index] for team, rounds in expected_rounds.items()}

    # A's round 2 breakdown: names, the autopilot's 2x on the best driver, the penalty.
    breakdown = ok(client.get(f"{API}/teams/{a}/rounds/{race_id(app, 2023, 2)}", headers=league.owner["headers"]))
    assert (breakdown["chip"], breakdown["penalty"], Decimal(breakdown["points"])) == (
        "autopilot", penalty, expected_rounds[a][1])
    assert [asset["asset"]["ref"] for asset in breakdown["assets"] if asset["multiplier"] == 2] == [best_a2]
    assert len(ok(client.get(f"{API}/teams/{b}/rounds", headers=league.owner["headers"]))) == 4
