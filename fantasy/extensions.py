"""Unbound Flask extensions, bound to the app in create_app(); no I/O at import time."""
import flask_limiter
import flask_smorest
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from marshmallow import Schema, fields
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from fantasy.auth.jwt_manager import JWTManager

# Stable constraint names so migrations are the same on SQLite and PostgreSQL and
# IntegrityError messages can be mapped to clear 409s by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()


class ErrorSchema(Schema):
    """The one error envelope (§11), as documented for every error response."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String()
    errors = fields.Dict()
    request_id = fields.String(allow_none=True)


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema
    # No catch-all `default` response: each operation lists the statuses it answers (common/api.py), so a
    # generated client models them and the schemathesis sweep fails on one that is not listed.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _init_spec(self, *args, **kwargs):
        super()._init_spec(*args, **kwargs)
        self.ma_plugin.converter.add_attribute_function(field_documents_itself)


def field_documents_itself(converter, field, **_) -> dict:
    """apispec attribute function: a field whose JSON Schema apispec cannot infer (a preset name or an object)
    says it by an `openapi(converter)` method; the converter resolves the schemas it nests into components."""
    return field.openapi(converter) if hasattr(field, "openapi") else {}


# Limits Flask-Limiter checks before every request, whatever the route; this app sets none of them.
GLOBAL_LIMIT_SETTINGS = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")


class Limiter(flask_limiter.Limiter):
    """Limits only on the routes decorated with limiter.limit (login, register, refresh).

    Flask-Limiter 4 always hooks a before_request check for default, application and blueprint limits. With
    none set it finds nothing to count, yet it cost ~58 us of ~250 us per /healthz request (in-process
    measurement); the decorated routes run their own check when the view is called, so the hook goes.
    A limit on a whole Blueprint would need the hook back.
    """

    def init_app(self, app) -> None:
        super().init_app(app)
        if not any(app.config.get(name) for name in GLOBAL_LIMIT_SETTINGS):
            # Not there when disabled, or when init_app runs again on the same app (the hook is added once).
            hooks = app.before_request_funcs.get(None, [])
            hooks[:] = [hook for hook in hooks if hook != self._check_request_limit]


api = Api()
limiter = Limiter(key_func=get_remote_address)
