"""/healthz (process up) and /readyz (database and Redis reachable)."""
import logging

from flask.views import MethodView
from marshmallow import fields
from sqlalchemy import text

from fantasy.common.api import Blueprint
from fantasy.common.redis import get_redis
from fantasy.common.schemas import StrictSchema
from fantasy.extensions import db

log = logging.getLogger(__name__)
health_blp = Blueprint("health", __name__, description="Probes for the platform", backing_services=False)


class HealthSchema(StrictSchema):
    status = fields.String(required=True)
    database = fields.String()
    redis = fields.String()


def _probe(name: str, check) -> str:
    try:
        check()
        return "ok"
    except Exception as error:  # a probe reports any failure as "down" rather than raising
        log.warning("readiness probe failed", extra={"dependency": name, "error": type(error).__name__})
        return "down"


@health_blp.route("/healthz")
class Healthz(MethodView):
    @health_blp.response(200, HealthSchema)
    @health_blp.doc(operationId="liveness")
    def get(self):
        """The process is up"""
        return {"status": "ok"}


@health_blp.route("/readyz")
class Readyz(MethodView):
    @health_blp.response(200, HealthSchema)
    @health_blp.alt_response(503, schema=HealthSchema, description="A dependency is down")
    @health_blp.doc(operationId="readiness")
    def get(self):
        """The database and Redis are reachable"""
        database = _probe("database", lambda: db.session.execute(text("SELECT 1")))
        if database == "down":
            db.session.rollback()
        cache = _probe("redis", get_redis().ping)
        body = {"status": "ok" if database == cache == "ok" else "unavailable", "database": database, "redis": cache}
        return body, 200 if body["status"] == "ok" else 503
