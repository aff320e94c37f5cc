"""Fantasy F1 league backend: the application factory."""
from flask import Flask, send_from_directory
from werkzeug.middleware.proxy_fix import ProxyFix

from config import check_production, database_url, get_config, limiter_storage_uri

# Nothing of the app is imported at module level: importing one module (say fantasy.scoring.rules) loads that
# module and what it needs, not every blueprint. create_app imports the parts and calls each one's init.


def _blueprints() -> tuple:
    from fantasy.auth.admin_routes import users_admin_blp
    from fantasy.auth.routes import auth_blp, users_blp
    from fantasy.drafts.routes import drafts_blp
    from fantasy.f1data.admin_routes import f1_admin_blp
    from fantasy.f1data.routes import f1_blp
    from fantasy.health.routes import health_blp
    from fantasy.jobs.admin_routes import admin_jobs_blp
    from fantasy.leagues.routes import leagues_blp, teams_blp
    from fantasy.lineups.routes import lineups_blp
    from fantasy.market.admin_routes import market_admin_blp
    from fantasy.market.routes import market_blp
    from fantasy.notifications.routes import notifications_blp
    from fantasy.scoring.admin_routes import scoring_admin_blp
    from fantasy.scoring.routes import standings_blp

    return (health_blp, auth_blp, users_blp, f1_blp, leagues_blp, teams_blp, drafts_blp, standings_blp,
            notifications_blp, users_admin_blp, admin_jobs_blp, f1_admin_blp, scoring_admin_blp, market_blp,
            market_admin_blp, lineups_blp)


def _cli_groups() -> tuple:
    from fantasy.auth.cli import users_cli
    from fantasy.demo.cli import demo_cli
    from fantasy.f1data.cli import f1_cli
    from fantasy.market.cli import prices_cli

    return users_cli, f1_cli, demo_cli, prices_cli


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    from swagger_ui_bundle import swagger_ui_path

    from fantasy import models  # noqa: F401  (every table registered for Alembic)
    from fantasy.auth.tokens import init_tokens
    from fantasy.common.api import IdConverter
    from fantasy.common.http import init_http
    from fantasy.common.observability import configure_logging, init_request_context
    from fantasy.common.outbox import init_outbox
    from fantasy.common.redis import init_redis
    from fantasy.common.snapshots import init_snapshots
    from fantasy.common.sqlite import init_sqlite
    from fantasy.drafts.subscriptions import subscribe as subscribe_drafts
    from fantasy.errors import register_error_handlers, register_jwt_error_loaders
    from fantasy.extensions import api, db, jwt, limiter, migrate
    from fantasy.jobs import init_jobs
    from fantasy.jobs.admin_routes import init_rq_dashboard
    from fantasy.leagues.access import init_access
    from fantasy.notifications.hooks import subscribe as subscribe_notifications
    from fantasy.notifications.stream import init_stream_slots

    config = get_config(config_name)
    app = Flask(__name__, instance_path=config.INSTANCE_PATH)
    app.config.from_object(config)
    app.config.update(overrides or {})
    if app.config["PRODUCTION"]:
        check_production(app.config)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["RATELIMIT_STORAGE_URI"] = limiter_storage_uri(app.config["REDIS_URL"])
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1)
    # Settings are refused before any shared extension (db, api, limiter) is bound to this app: a refused app
    # must leave the process's other apps as they were (it once left the OpenAPI document half-built).
    init_stream_slots(app)

    init_sqlite()
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    init_redis(app)
    jwt.init_app(app)
    init_tokens(jwt)
    limiter.init_app(app)
    app.url_map.converters["id"] = IdConverter
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})

    register_error_handlers(app)
    register_jwt_error_loaders(jwt)
    init_request_context(app)
    init_http(app)

    for blueprint in _blueprints():
        api.register_blueprint(blueprint)
    init_rq_dashboard(app)
    app.add_url_rule(
        "/static/swagger-ui/<path:filename>",
        "swagger_ui_assets",
        lambda filename: send_from_directory(swagger_ui_path, filename),
    )
    # Listeners and receivers, each registered once however many apps are created.
    init_outbox()
    init_snapshots()
    init_access()
    subscribe_drafts()
    subscribe_notifications()
    # The job layer last: it connects its queuing functions to the domains' signals.
    init_jobs()
    for group in _cli_groups():
        app.cli.add_command(group)
    return app
