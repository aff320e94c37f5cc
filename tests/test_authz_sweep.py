"""Every id-bearing route called with another user's ids answers 403/404 without their data; every URL reaches
its view."""
import re

from sqlalchemy import func, select

from drafts_helpers import API, League, driver_id, race_id
from fantasy.drafts.models import Pick
from fantasy.extensions import db
from fantasy.leagues.models import FantasyTeam
from fantasy.leagues.models import League as LeagueRow
from fantasy.notifications.models import Notification

# Real F1 data is public to every signed-in user: a race or a season is nobody's to protect.
PUBLIC = {"f1data.RaceById", "f1data.RaceResults", "f1data.DriverStandings", "f1data.SeasonRaces",
          # so are the market's points and prices: the same for every league
          "market.RaceAssetScores", "market.RoundPrices", "market.DriverMarket", "market.ConstructorMarket"}
# A body each write would accept from someone allowed to make it, so a 403/404 comes from the access
# check and not from input validation that happens to run first.
BODIES = {
    ("leagues.LeagueById", "PATCH"): {"description": "taken over"},
    ("leagues.JoinPublic", "POST"): {"team_name": "Intruders"},
    ("leagues.MemberById", "PATCH"): {"role": "manager"},
    ("leagues.Transfer", "POST"): "attacker_id",
    ("teams.TeamById", "PATCH"): {"name": "Renamed By Intruder"},
    ("drafts.Picks", "POST"): "driver",
    ("drafts.Order", "PUT"): "team_ids",
    ("drafts.Queue", "PUT"): "driver_ids",
    ("drafts.UndoPicks", "POST"): {"count": 1},
    ("drafts.PickOnBehalf", "POST"): "driver",
    ("f1admin.RaceResultsCorrection", "PUT"): "classification",
    ("lineups.TeamLineup", "PUT"): "lineup",
}
PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _world(app, client, make_user):
    """A private league run by someone else (draft open, a pick made, notifications stored) and an outsider."""
    victim = League(client, make_user, size=2, name="Secret Syndicate")
    race = race_id(app, 2023, 1)
    assert victim.open(race).status_code == 200
    assert victim.pick(race, driver_id(app, "max_verstappen")).status_code == 201
    attacker = make_user("mallory")
    own = client.post(f"{API}/leagues", json={"name": "Mallory League", "season": 2023, "mode": "replay"},
                      headers=attacker["headers"])
    assert own.status_code == 201
    owner = victim.owner
    team_id = next(team for team, user in victim.players.items() if user is owner)
    with app.app_context():
        notification = db.session.scalar(select(Notification.id).where(Notification.user_id == owner["id"]))
        if notification is None:  # delivery is asynchronous in some set-ups; the row is what matters here
            row = Notification(user_id=owner["id"], kind="league_event", league_id=victim.id, data={})
            db.session.add(row)
            db.session.commit()
            notification = row.id
    league = client.get(f"{API}/leagues/{victim.id}", headers=owner["headers"]).get_json()
    ids = {"league_id": victim.id, "race_id": race, "team_id": team_id, "user_id": owner["id"],
           "notification_id": notification, "year": 2023, "session": "race", "job_id": "no-such-job"}
    secrets = [league["name"], league["invite_code"], owner["username"], f"{owner['username']}@example.com",
               *(client.get(f"{API}/teams/{team}", headers=owner["headers"]).get_json()["name"]
                 for team in victim.players)]
    bodies = {
        "attacker_id": {"user_id": attacker["id"]},
        "driver": {"driver_id": driver_id(app, "hamilton")},
        "team_ids": {"team_ids": sorted(victim.players)},
        "driver_ids": {"driver_ids": [driver_id(app, "hamilton")]},
        "classification": {"rows": [{"driver_id": driver_id(app, "hamilton"), "constructor_id": 1, "position": 1}]},
        "lineup": {
            "driver_ids": [driver_id(app, ref) for ref in ("hamilton", "alonso", "stroll", "albon", "sargeant")],
            "constructor_ids": [1, 2],
        },
    }
    return victim, attacker, ids, secrets, bodies


def _state(app, league_id: int, notification_id: int):
    with app.app_context():
        league = db.session.get(LeagueRow, league_id)
        teams = db.session.execute(select(FantasyTeam.id, FantasyTeam.name, FantasyTeam.user_id)
                                   .where(FantasyTeam.league_id == league_id).order_by(FantasyTeam.id)).all()
        picks = db.session.scalar(select(func.count()).select_from(Pick).where(Pick.league_id == league_id))
        read_at = db.session.get(Notification, notification_id).read_at
        return (league.name, league.description, league.owner_id, league.invite_code,
                [tuple(team) for team in teams], picks, read_at)


def _id_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API) and rule.arguments:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_other_users_ids_are_refused_on_every_route_without_leaking_data(app, client, make_user, f1):
    victim, attacker, ids, secrets, bodies = _world(app, client, make_user)
    before = _state(app, victim.id, ids["notification_id"])
    tried = []
    for rule, method in _id_rules(app):
        if rule.endpoint in PUBLIC:
            continue
        missing = rule.arguments - ids.keys()
        assert not missing, f"{rule.rule}: no foreign value for {missing}; add one to the sweep"
        url = rule.rule
        for match in PARAMETER.finditer(rule.rule):
            url = url.replace(match.group(0), str(ids[match.group(2)]))
        body = BODIES.get((rule.endpoint, method))
        body = bodies.get(body, body) if isinstance(body, str) else body
        response = client.open(url, method=method, json=body, headers=attacker["headers"])
        tried.append((method, rule.rule))
        assert response.status_code in (403, 404), (method, url, response.status_code, response.get_data(as_text=True))
        text = response.get_data(as_text=True)
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, (method, url, leaked)
    assert len(tried) >= 25, tried
    assert _state(app, victim.id, ids["notification_id"]) == before


def _openapi_path(rule: str) -> str:
    return PARAMETER.sub(lambda match: "{" + match.group(2) + "}", rule)


def test_route_table_matches_the_documented_operations(app, client):
    documented = {(path, method.upper())
                  for path, item in client.get("/openapi.json").get_json()["paths"].items()
                  for method in item if method != "parameters"}
    # Every API rule and every class-based view elsewhere (health); the docs, static files and the dashboard
    # (HTML for admins) are not operations.
    registered = {(_openapi_path(rule.rule), method)
                  for rule in app.url_map.iter_rules()
                  if rule.rule.startswith(API) or hasattr(app.view_functions[rule.endpoint], "view_class")
                  for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert registered - documented == set(), "registered but undocumented"
    assert documented - registered == set(), "documented but not served"


SAMPLES = {"session": "race", "job_id": "some-job"}


def test_every_registered_url_reaches_its_own_view(app):
    """No rule is shadowed: a concrete URL built from each rule matches that rule's endpoint, for every method."""
    adapter = app.url_map.bind("localhost")
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API):
            continue
        url = PARAMETER.sub(lambda match: SAMPLES.get(match.group(2), "7"), rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            endpoint, _ = adapter.match(url, method=method)
            assert endpoint == rule.endpoint, (method, url, endpoint, rule.endpoint)
            view = app.view_functions[endpoint]
            assert view.view_class.__name__ == endpoint.rsplit(".", 1)[1], (endpoint, view)
            checked += 1
    assert checked >= 50, checked
