"""The references of the standings benchmark, served by the same gunicorn.conf.py as the product. Not part of
the product.

* `/bare`: a bare Flask JSON endpoint, no database, no auth, no cache. It answers the body in
  BARE_BODY_FILE (a standings response captured from the product, so the size and shape are the same),
  serialized per request by jsonify as the product's responses are.
* `/bare-auth`: the least an authenticated, cached read can do: verify the bearer token (one PyJWT decode
  with JWT_SECRET_KEY, HS256) and answer the body from one Redis GET (REDIS_URL). The spec's own reference
  is a bare endpoint with one Redis GET; this adds only the token check.
* `floor_app.py` mounts the same `/bare-auth` view on the product app, to measure it behind the product's
  request hooks (request id, JSON access line, security headers).
"""
import json
import os

import jwt
import redis
from flask import Flask, Response, abort, jsonify, request

BODY_KEY = "bench:bare-body"

app = Flask(__name__)
with open(os.environ["BARE_BODY_FILE"], "rb") as handle:
    RAW = handle.read()
BODY = json.loads(RAW)


@app.get("/bare")
def bare():
    return jsonify(BODY)


def add_authenticated_route(target: Flask, rule: str) -> None:
    """`rule` on `target`: one token verification and one Redis GET, then the stored body."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.set(BODY_KEY, RAW)
    secret = os.environ["JWT_SECRET_KEY"]

    def bare_auth():
        token = request.headers.get("Authorization", "").partition(" ")[2]
        try:
            jwt.decode(token, secret, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            abort(401)
        return Response(client.get(BODY_KEY), mimetype="application/json")

    target.add_url_rule(rule, "bare_auth", bare_auth)


add_authenticated_route(app, "/bare-auth")
