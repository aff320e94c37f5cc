"""Benchmark-only prototype of the engine settings bench/README.md recommends for the read path; not the product.

The product app with two engine options changed: no `pool_pre_ping` (one round trip per checkout; stale
connections are handled by `pool_recycle` instead) and AUTOCOMMIT (a read-only request then sends no
BEGIN and no ROLLBACK). AUTOCOMMIT is only safe here because this server answers the standings reads of
the benchmark; the product would scope it to safe methods, as fantasy/common/sqlite.py does for SQLite.
"""
from _env import app_env

app_env()
from config import ProductionConfig  # noqa: E402  (reads the environment set just above)
from fantasy import create_app  # noqa: E402

OPTIONS = {**ProductionConfig.SQLALCHEMY_ENGINE_OPTIONS, "pool_pre_ping": False, "pool_recycle": 1800,
           "isolation_level": "AUTOCOMMIT"}
app = create_app(overrides={"SQLALCHEMY_ENGINE_OPTIONS": OPTIONS})


# --- a prototype of the Redis-only cached read (bench/README.md, "what would meet the target") ---------
# Not the product's semantics in full: it shows what a cached read costs when it touches Redis only.
# The JWT is verified (signature, expiry, type) and its family checked against the revocation list, as
# now; the user row is not loaded (deactivation revokes every family, fantasy/auth/service.py), the
# league access decision and the serialized page (rows + team names) come from Redis, filled from the
# product's own code on a miss. The product would keep the access entries current on join/leave/role
# changes and the page on renames (version bumps), which a prototype cannot do from bench/.
import json  # noqa: E402

from flask import Response  # noqa: E402
from flask_jwt_extended import decode_token  # noqa: E402

from fantasy.common.redis import get_redis  # noqa: E402
from fantasy.scoring import cache  # noqa: E402

ACCESS, META, PAGE = "bench:proto:access:{}", "bench:proto:meta:{}", "bench:proto:page:{}"


@app.get("/proto/leagues/<int:league_id>/standings")
def proto_standings(league_id: int):
    from fantasy.auth.models import User
    from fantasy.auth.tokens import REVOKED_FAMILY
    from fantasy.extensions import db
    from fantasy.leagues.access import Need, league_access
    from fantasy.scoring.rules import ruleset_key
    from fantasy.scoring.standings import standings

    claims = decode_token(request_token())
    user_id = claims["sub"]
    redis = get_redis()
    revoked, allowed, key, page = redis.pipeline(transaction=False).exists(
        REVOKED_FAMILY.format(claims["fam"])).hget(ACCESS.format(league_id), user_id).get(
        META.format(league_id)).get(PAGE.format(league_id)).execute()
    if revoked:
        return Response(status=401)
    if allowed is None or key is None:  # miss: the product's access check, remembered
        user = db.session.get(User, int(user_id))
        access = league_access(league_id, user, Need.member)
        key = ruleset_key(access.league.ruleset).encode()
        redis.pipeline(transaction=False).hset(ACCESS.format(league_id), user_id, 1).set(META.format(league_id), key).execute()
    versions = redis.mget(cache.RULESET_VERSION.format(key.decode()), cache.LEAGUE_VERSION.format(league_id))
    stamp = [int(version or 0) for version in versions]
    if page is not None:
        cached = json.loads(page)
        if cached["stamp"] == stamp:
            return Response(cached["body"], mimetype="application/json")
    body = json.dumps(standings(league_id, db.session.get(User, int(user_id))), separators=(",", ":"))
    redis.set(PAGE.format(league_id), json.dumps({"stamp": stamp, "body": body}), ex=3600)
    return Response(body, mimetype="application/json")


def request_token() -> str:
    from flask import request

    return request.headers.get("Authorization", "").removeprefix("Bearer ")
