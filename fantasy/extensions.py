"""Unbound Flask extensions, bound to the app in create_app(); no I/O at import time."""
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
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


api = Api()
limiter = Limiter(key_func=get_remote_address)
