"""Admin job endpoints (queues, failed and scheduled jobs, requeue) and rq-dashboard at /admin/rq, admins only."""
from urllib.parse import urlsplit

import rq_dashboard
from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import fields

from fantasy.auth.routes import account_limit_key
from fantasy.auth.tokens import current_user
from fantasy.common.api import Blueprint
from fantasy.common.schemas import StrictSchema
from fantasy.extensions import limiter
from fantasy.jobs import admin_service

admin_jobs_blp = Blueprint("admin_jobs", __name__, url_prefix="/api/v1/admin", description="Admin: background jobs")
DASHBOARD_PREFIX = "/admin/rq"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# The dashboard also requeues a whole queue on a plain GET.
WRITING_ENDPOINTS = ("rq_dashboard.requeue_all",)


class QueueCountsSchema(StrictSchema):
    name = fields.String()
    queued = fields.Integer()
    started = fields.Integer()
    failed = fields.Integer()
    finished = fields.Integer()
    deferred = fields.Integer()
    scheduled = fields.Integer(metadata={"description": "retries waiting out their backoff"})


class FailedJobSchema(StrictSchema):
    id = fields.String()
    queue = fields.String()
    func = fields.String()
    ended_at = fields.DateTime(allow_none=True)
    exception = fields.String(allow_none=True, metadata={"description": "last line, secrets redacted"})


class ScheduledJobSchema(StrictSchema):
    id = fields.String()
    queue = fields.String()
    func = fields.String()
    next_run = fields.DateTime(allow_none=True)
    cron = fields.String(allow_none=True)
    interval = fields.Integer(allow_none=True, metadata={"description": "seconds"})


class JobsOverviewSchema(StrictSchema):
    queues = fields.List(fields.Nested(QueueCountsSchema))
    failed = fields.List(fields.Nested(FailedJobSchema), metadata={"description": "newest first, at most 50"})
    scheduled = fields.List(fields.Nested(ScheduledJobSchema))


class RequeuedJobSchema(StrictSchema):
    id = fields.String()
    queue = fields.String()
    status = fields.String()


@admin_jobs_blp.route("/jobs")
class Jobs(MethodView):
    @admin_jobs_blp.login_required(admin=True)
    @admin_jobs_blp.response(200, JobsOverviewSchema)
    @admin_jobs_blp.doc(operationId="getJobs")
    def get(self):
        """Queues with their counts, recent failed jobs and scheduled jobs"""
        return admin_service.overview()


@admin_jobs_blp.route("/jobs/<string:job_id>/requeue")
class RequeueJob(MethodView):
    @admin_jobs_blp.login_required(admin=True)
    @admin_jobs_blp.response(202, RequeuedJobSchema)
    @admin_jobs_blp.alt_response(404, description="No such job")
    @admin_jobs_blp.alt_response(409, description="The job has not failed")
    @admin_jobs_blp.doc(operationId="requeueJob")
    def post(self, job_id):
        """Put a failed job back on its queue"""
        return admin_service.requeue_failed(job_id, current_user.id)


def _refused_sign_in(response) -> bool:
    # Only refused credentials count: the dashboard polls every few seconds, signing in each time, and a
    # browser's first visit (no credentials, nothing hashed) only fetches the challenge.
    return response.status_code == 401 and request.authorization is not None


def _dashboard_account_key() -> str:
    credentials = request.authorization
    return account_limit_key(credentials.username if credentials is not None else None)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _dashboard_guard():
    # rq-dashboard's own CSS and JS are public files, and Flask-Limiter never limits an endpoint named
    # "static": checking a password there would be an unlimited guessing oracle.
    if request.blueprint != "rq_dashboard" or request.endpoint == "rq_dashboard.static":
        return None
    # Browsers replay Basic credentials on any request to this host, so a write must come from our own pages.
    if request.method not in SAFE_METHODS or request.endpoint in WRITING_ENDPOINTS:
        source = request.headers.get("Origin") or request.headers.get("Referer") or ""
        if urlsplit(source).netloc != request.host:
            return Response("Cross-site request refused\n", 403, mimetype="text/plain")
    return _sign_in()


# Login's limits (RATELIMIT_LOGIN per address and per account, the same 429), checked before any password
# hash; one bucket each for every dashboard page, apart from login's own.
@limiter.shared_limit(_login_limit, scope="rq_dashboard", deduct_when=_refused_sign_in)
@limiter.shared_limit(_login_limit, scope="rq_dashboard:account", key_func=_dashboard_account_key,
                      deduct_when=_refused_sign_in)
def _sign_in():
    credentials = request.authorization
    if credentials is not None and credentials.type == "basic" and admin_service.is_admin_login(
            credentials.username or "", credentials.password or ""):
        return None
    # A plain 401 with the challenge: the JSON error envelope would drop it and browsers would never ask.
    return Response("Admins only\n", 401, {"WWW-Authenticate": 'Basic realm="rq-dashboard", charset="UTF-8"'},
                    mimetype="text/plain")


def init_rq_dashboard(app) -> None:
    """Mount rq-dashboard on the app's Redis behind the admin guard (why each step: README, "Library internals")."""
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=DASHBOARD_PREFIX)
    rq_dashboard.web.setup_rq_connection(app)
    app.before_request(_dashboard_guard)
