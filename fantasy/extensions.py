"""Unbound Flask extensions, bound to the app in create_app(); no I/O at import time."""
from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config as jwt_config
from flask_jwt_extended.tokens import _decode_jwt
import jwt as pyjwt
import flask_limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
import flask_smorest
from flask_sqlalchemy import SQLAlchemy
from marshmallow import Schema, fields
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

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


class OneDecodeJWTManager(JWTManager):
    """flask-jwt-extended without the two unverified decodes before the verified one.

    The pinned 4.7 parses every token four times: claims and header unverified (to hand them to a
    decode-key callback), the verified decode, then the header again. PyJWT 2.15 checks each segment's
    base64 alphabet one character at a time, so the two parses dropped here were ~0.06 ms of a ~0.95 ms
    cached standings read (bench/README.md §3). This app signs with one key and registers no decode-key
    loader (registering one raises here rather than being ignored). The verified decode is the library's
    own with the same options; an expired token still hands its header and claims to the expired-token
    callback. This overrides a private method of the pinned version: tests/test_auth.py counts the parses
    and covers expired, tampered, wrong-key, unsigned and wrong-type tokens, so an upgrade that changes it
    fails there.
    """

    def decode_key_loader(self, callback):
        raise NotImplementedError("OneDecodeJWTManager verifies with JWT_SECRET_KEY only")

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        options = {
            "algorithms": jwt_config.decode_algorithms,
            "audience": jwt_config.decode_audience,
            "csrf_value": csrf_value,
            "encoded_token": encoded_token,
            "identity_claim_key": jwt_config.identity_claim_key,
            "issuer": jwt_config.decode_issuer,
            "leeway": jwt_config.leeway,
            "secret": jwt_config.decode_key,
            "verify_aud": jwt_config.decode_audience is not None,
            "verify_sub": jwt_config.verify_sub,
        }
        try:
            return _decode_jwt(**options, allow_expired=allow_expired)
        except pyjwt.ExpiredSignatureError as error:
            error.jwt_header = pyjwt.get_unverified_header(encoded_token)
            error.jwt_data = _decode_jwt(**options, allow_expired=True)
            raise


jwt = OneDecodeJWTManager()


class ErrorSchema(Schema):
    """The one error envelope (§11), as documented for every error response."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String()
    errors = fields.Dict()
    request_id = fields.String(allow_none=True)


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema


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
