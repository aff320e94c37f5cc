"""Request and response shapes for accounts and tokens."""
from marshmallow import fields, validate

from fantasy.auth.models import Role
from fantasy.common.schemas import StrictSchema, Text

# \Z, not $: "$" also matches before a trailing newline.
USERNAME = validate.Regexp(r"[A-Za-z0-9_]{3,30}\Z", error="3 to 30 letters, digits or underscores")


def username_field(**kwargs) -> Text:
    return Text(max_length=30, keyed=True, validate=USERNAME, **kwargs)


def email_field(**kwargs) -> Text:
    return Text(max_length=254, keyed=True, validate=validate.Email(), **kwargs)


def password_field(min_length: int = 10, **kwargs) -> Text:
    return Text(min_length=min_length, max_length=128, load_only=True, **kwargs)


class RegisterSchema(StrictSchema):
    username = username_field(required=True)
    email = email_field(required=True)
    password = password_field(required=True)


class LoginSchema(StrictSchema):
    login = Text(required=True, min_length=1, max_length=254, metadata={"description": "Username or email"})
    # Only the upper bound: a short wrong password must fail like any wrong password.
    password = password_field(required=True, min_length=1)


def is_login(value) -> bool:
    """Whether a value could name an account, checked before any query (a NUL would make PostgreSQL fail)."""
    return not LoginSchema(only=("login",)).validate({"login": value})


class TokenPairSchema(StrictSchema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "Access token lifetime in seconds"})


class UserSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    email = fields.String(dump_only=True)
    role = fields.Enum(Role, dump_only=True)
    is_active = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class ProfileUpdateSchema(StrictSchema):
    """Only these fields may change; role, is_active and id are rejected as unknown."""

    username = username_field()
    email = email_field()


class PasswordChangeSchema(StrictSchema):
    current_password = password_field(required=True, min_length=1)
    new_password = password_field(required=True)
