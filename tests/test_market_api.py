"""The market's HTTP API: a race's asset points, a round's prices, an asset's season, and the admin import
(every documented status, each in the error envelope), and `flask prices import`."""
import json
from pathlib import Path

import pytest

from drafts_helpers import API, driver_id, race_id
from fantasy.extensions import db
from fantasy.f1data.models import Constructor

pytestmark = pytest.mark.usefixtures("f1")
BUNDLED = json.loads((Path(__file__).parent.parent / "fantasy" / "market" / "data" / "2023-opening.json").read_text())


def envelope(response, code: int) -> dict:
    body = response.get_json()
    assert response.status_code == code, body
    assert body["code"] == code and body["request_id"] and body["message"], body
    return body


def constructor_id(app, ref: str) -> int:
    with app.app_context():
        return db.session.query(Constructor.id).filter(Constructor.ref == ref).scalar()


@pytest.mark.usefixtures("priced")
def test_a_race_s_asset_points_fit_one_page_with_names_best_first(app, client):
    bahrain = race_id(app, 2023, 1)
    response = client.get(f"{API}/races/{bahrain}/asset-scores")
    assert response.status_code == 200
    rows = response.get_json()
    assert json.loads(response.headers["X-Pagination"])["total"] == 30 and len(rows) == 30
    assert rows[0] == {"asset": {"kind": "constructor", "id": constructor_id(app, "red_bull"), "ref": "red_bull",
                                 "name": "Red Bull", "code": None},
                       "points": 72.0,
                       "breakdown": {"qualifying_position": 19.0, "race_position": 43.0,
                                     "qualifying_bonus": 10.0}}
    # Aston Martin: Alonso 23 + Stroll (Q P8 -> 3; R P6 -> 8, G8 - P6 = +2) 13, both in Q3 +10 = 46;
    # Mercedes: Hamilton 16 + Russell (Q P6 -> 5; R P7 -> 6, G6 - P7 = -1) 10, both in Q3 +10 = 36.
    assert [(row["asset"]["ref"], row["points"]) for row in rows[1:4]] == [
        ("aston_martin", 46.0), ("mercedes", 36.0), ("max_verstappen", 35.0)]
    drivers = client.get(f"{API}/races/{bahrain}/asset-scores", query_string={"kind": "driver"}).get_json()
    assert len(drivers) == 20 and drivers[0]["asset"] == {
        "kind": "driver", "id": driver_id(app, "max_verstappen"), "ref": "max_verstappen", "name": "Max Verstappen",
        "code": "VER"}
    # Other rulesets' rows are those the leagues scored: none here.
    assert client.get(f"{API}/races/{bahrain}/asset-scores", query_string={"ruleset": "standard"}).get_json() == []
    envelope(client.get(f"{API}/races/999999/asset-scores"), 404)
    envelope(client.get(f"{API}/races/{bahrain}/asset-scores", query_string={"ruleset": "made-up"}), 422)
    envelope(client.get(f"{API}/races/{bahrain}/asset-scores", query_string={"kind": "team"}), 422)


@pytest.mark.usefixtures("priced")
def test_a_round_s_prices_with_the_change_since_the_round_before(app, client):
    response = client.get(f"{API}/seasons/2023/rounds/5/prices")
    rows = response.get_json()
    assert json.loads(response.headers["X-Pagination"])["total"] == 32 and len(rows) == 32
    assert [(row["asset"]["name"], row["price"], row["previous_price"], row["change"]) for row in rows[:5]] == [
        ("Max Verstappen", 29.2, 28.9, 0.3), ("Red Bull", 29.2, 28.9, 0.3), ("Ferrari", 24.8, 24.5, 0.3),
        ("Sergio Pérez", 24.7, 24.4, 0.3), ("Charles Leclerc", 24.6, 24.9, -0.3)]
    opening = client.get(f"{API}/seasons/2023/rounds/1/prices", query_string={"kind": "constructor"}).get_json()
    assert [(row["asset"]["ref"], row["price"], row["previous_price"], row["change"]) for row in opening] == [
        (ref, price, None, None) for ref, price in BUNDLED["constructors"].items()]
    second_page = client.get(f"{API}/seasons/2023/rounds/5/prices", query_string={"page": 2, "page_size": 30})
    assert [row["asset"]["ref"] for row in second_page.get_json()] == [row["asset"]["ref"] for row in rows[30:]]
    body = envelope(client.get(f"{API}/seasons/2023/rounds/23/prices"), 404)
    assert body["message"].startswith("No prices stored for 2023 round 23")
    envelope(client.get(f"{API}/seasons/2024/rounds/1/prices"), 404)


@pytest.mark.usefixtures("priced")
def test_an_asset_s_season_history(app, client):
    mclaren = client.get(f"{API}/seasons/2023/constructors/{constructor_id(app, 'mclaren')}/market").get_json()
    assert mclaren["asset"]["name"] == "McLaren" and mclaren["season"] == 2023 and len(mclaren["rounds"]) == 22
    # Bahrain: -25 (one car out in Q1, +1) at 15.1 -> -0.6 (lower band) = 14.5.
    assert mclaren["rounds"][:2] == [
        {"round": 1, "race_id": race_id(app, 2023, 1), "race_name": "Bahrain Grand Prix", "price": 15.1, "change": None,
         "points": -25.0, "breakdown": {"race_positions_gained": -6.0, "race_not_classified": -20.0,
                                        "qualifying_bonus": 1.0}},
        {**mclaren["rounds"][1], "round": 2, "price": 14.5, "change": -0.6}]
    # Ricciardo (in the opening list) raced rounds 11-12 and 18-22: his price holds while he does not race.
    ricciardo = client.get(f"{API}/seasons/2023/drivers/{driver_id(app, 'ricciardo')}/market").get_json()["rounds"]
    assert [row["points"] is None for row in ricciardo] == [True] * 10 + [False] * 2 + [True] * 5 + [False] * 5
    assert {row["price"] for row in ricciardo[:11]} == {10.9} and ricciardo[10]["change"] == 0
    envelope(client.get(f"{API}/seasons/2023/drivers/999999/market"), 404)
    envelope(client.get(f"{API}/seasons/2024/drivers/{driver_id(app, 'ricciardo')}/market"), 404)


def test_the_admin_import_documents_and_answers_each_status(app, client, make_user):
    admin, user = make_user("root", admin=True), make_user("someone")
    url = f"{API}/admin/prices"
    envelope(client.post(url, json=BUNDLED), 401)
    envelope(client.post(url, json=BUNDLED, headers=user["headers"]), 403)
    envelope(client.post(url, json={**BUNDLED, "season": 2019}, headers=admin["headers"]), 404)
    unknown = envelope(client.post(url, json={**BUNDLED, "drivers": {**BUNDLED["drivers"], "senna": 30.0}},
                                   headers=admin["headers"]), 422)
    assert unknown["errors"] == {"json": {"drivers": ["Unknown driver refs: senna"]}}
    for bad in ({"drivers": {"max_verstappen": 4.4}}, {"drivers": {"max_verstappen": 28.05}}, {"round": 2},
                {"unit": "dollars"}, {"drivers": {}}, {"surprise": 1}):
        envelope(client.post(url, json={**BUNDLED, **bad}, headers=admin["headers"]), 422)
    stored = client.post(url, json=BUNDLED, headers=admin["headers"])
    assert stored.status_code == 200 and stored.get_json() == {
        "season": 2023, "round": 1, "source": "imported", "stored": True, "drivers": 22, "constructors": 10}
    again = client.post(url, json=BUNDLED, headers=admin["headers"])
    assert again.status_code == 200 and again.get_json()["stored"] is False
    changed = {**BUNDLED, "drivers": {**BUNDLED["drivers"], "lawson": 5.0}}
    envelope(client.post(url, json=changed, headers=admin["headers"]), 409)
    responses = client.get("/openapi.json").get_json()["paths"]["/api/v1/admin/prices"]["post"]["responses"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(responses)


def test_prices_import_from_a_file_with_newcomers_at_the_bottom(app, client, runner, tmp_path):
    listed = {**BUNDLED, "drivers": {ref: price for ref, price in BUNDLED["drivers"].items() if ref != "lawson"}}
    path = tmp_path / "opening.json"
    path.write_text(json.dumps(listed))
    result = runner.invoke(args=["prices", "import", str(path)])
    assert result.output.strip() == "season=2023 round=1 source=imported stored=True drivers=22 constructors=10"
    # Lawson, a 2023 driver the list leaves out, opens at the bottom of the curve.
    lawson = client.get(f"{API}/seasons/2023/rounds/1/prices", query_string={"kind": "driver"}).get_json()[-1]
    assert (lawson["asset"]["ref"], lawson["price"]) == ("lawson", 4.5)
    path.write_text("{not json")
    failed = runner.invoke(args=["prices", "import", str(path)])
    assert failed.exit_code == 1 and "is not a price list" in failed.output
