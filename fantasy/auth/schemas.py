"""Request and response shapes for accounts and tokens."""
from marshmallow import fields, validate

from fantasy.auth.models import Role
from fantasy.common.schemas import StrictSchema

USERNAME = validate.Regexp(r"^[A-Za-z0-9_]{3,30}$", error="3 to 30 letters, digits or underscores")
PASSWORD = validate.Length(min=10, max=128)


class RegisterSchema(StrictSchema):
    username = fields.String(required=True, validate=USERNAME)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=PASSWORD)


class LoginSchema(StrictSchema):
    login = fields.String(
        required=True, validate=validate.Length(min=1, max=254), metadata={"description": "Username or email"}
    )
    # Only the upper bound: a short wrong password must fail like any wrong password.
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))


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

    username = fields.String(validate=USERNAME)
    email = fields.Email(validate=validate.Length(max=254))


class PasswordChangeSchema(StrictSchema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))
    new_password = fields.String(required=True, load_only=True, validate=PASSWORD)
