"""The product app (wsgi.py) with two floors mounted, served by the standings benchmark only; not part of the
product.

* `/bench/floor`: bare_app's `/bare-auth` view (one token check and one Redis GET) behind the product's own
  request hooks: the least a *cached* read can do.
* `/bench/uncached-floor/<league_id>`: the least an *uncached* read can do: the token check, then what only
  PostgreSQL knows, in two statements on one pooled connection (SQLAlchemy Core, no ORM, no session): the
  caller's account and membership with the league's ruleset and teams, then the league's per-race, per-team
  points (the product's aggregate of `scoring/standings._race_scores`, as SQL text); the rows as JSON, with no
  ranking, no revocation or snapshot round trips and no cache write.
"""
import json

import jwt
from flask import Response, abort, request

from bare_app import add_authenticated_route
from fantasy.extensions import db
from fantasy.scoring.rules import ruleset_key
from wsgi import app

ACCESS_AND_TEAMS = """
SELECT u.is_active, l.visibility, l.ruleset, m.role, t.id, t.name
FROM users u JOIN leagues l ON l.id = %(league)s
LEFT JOIN memberships m ON m.league_id = l.id AND m.user_id = u.id AND m.left_at IS NULL
LEFT JOIN fantasy_teams t ON t.league_id = l.id
WHERE u.id = %(user)s"""
RACE_POINTS = """
SELECT d.race_id, r.round, p.team_id, sum(coalesce(s.points, 0)), max(coalesce(s.points, 0))
FROM drafts d JOIN races r ON r.id = d.race_id
LEFT JOIN picks p ON p.draft_id = d.id
LEFT JOIN driver_scores s ON s.ruleset = %(key)s AND s.race_id = p.race_id AND s.driver_id = p.driver_id
WHERE d.league_id = %(league)s AND d.state = 'scored'
GROUP BY d.race_id, r.round, p.team_id ORDER BY r.round, d.race_id"""


def uncached_floor(league_id: int):
    token = request.headers.get("Authorization", "").partition(" ")[2]
    try:
        user_id = int(jwt.decode(token, app.config["JWT_SECRET_KEY"], algorithms=["HS256"])["sub"])
    except (jwt.InvalidTokenError, KeyError, ValueError):
        abort(401)
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(ACCESS_AND_TEAMS, {"league": league_id, "user": user_id}).all()
        if not rows or not rows[0][0] or rows[0][3] is None:
            abort(404)
        scores = connection.exec_driver_sql(RACE_POINTS, {"key": ruleset_key(rows[0][2]), "league": league_id}).all()
    body = {"teams": [[team_id, name] for *_access, team_id, name in rows],
            "scores": [[race_id, round_, team_id, float(total), float(best)]
                       for race_id, round_, team_id, total, best in scores if team_id is not None]}
    return Response(json.dumps(body), mimetype="application/json")


add_authenticated_route(app, "/bench/floor")
app.add_url_rule("/bench/uncached-floor/<int:league_id>", "uncached_floor", uncached_floor)
