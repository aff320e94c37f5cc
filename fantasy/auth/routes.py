"""Auth and profile endpoints (§5, §11)."""
from flask import current_app, request
from flask.views import MethodView
from flask_jwt_extended import get_jwt
from flask_limiter.util import get_remote_address

from fantasy.auth import service
from fantasy.auth.schemas import (
    LoginSchema,
    PasswordChangeSchema,
    ProfileUpdateSchema,
    RegisterSchema,
    TokenPairSchema,
    UserSchema,
    is_login,
)
from fantasy.auth.tokens import current_user
from fantasy.common.api import Blueprint
from fantasy.extensions import limiter

auth_blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and tokens")
users_blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="The signed-in user")
LIMITED = "Too many attempts; retry after the seconds in Retry-After"


def account_limit_key(login) -> str:
    """Rate-limit key for one account, whatever the client's address or how the login names it (the
    client's address when no account can have that login). Login and the rq-dashboard sign-in use it."""
    return service.login_limit_key(login) if is_login(login) else get_remote_address()


def login_account_key() -> str:
    # The blueprint's parser: a body that is not JSON Python can hold is the same 400 here as in the view.
    body = auth_blp.ARGUMENTS_PARSER.load_json(request, LoginSchema())
    return account_limit_key(body.get("login") if isinstance(body, dict) else None)


@auth_blp.route("/register")
class Register(MethodView):
    @limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"])
    @auth_blp.arguments(RegisterSchema, example={"username": "lando", "email": "lando@example.com",
                                                 "password": "correct horse battery"})
    @auth_blp.response(201, UserSchema)
    @auth_blp.alt_response(409, description="Username or email taken")
    @auth_blp.alt_response(429, description=LIMITED)
    @auth_blp.doc(operationId="register")
    def post(self, data):
        """Create an account"""
        return service.register(data["username"], data["email"], data["password"])


@auth_blp.route("/login")
class Login(MethodView):
    @limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
    @limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], key_func=login_account_key)
    @auth_blp.arguments(LoginSchema, example={"login": "lando", "password": "correct horse battery"})
    @auth_blp.response(200, TokenPairSchema)
    @auth_blp.alt_response(401, description="Invalid credentials")
    @auth_blp.alt_response(429, description=LIMITED)
    @auth_blp.doc(operationId="login")
    def post(self, data):
        """Sign in with username or email"""
        return service.authenticate(data["login"], data["password"])


@auth_blp.route("/refresh")
class Refresh(MethodView):
    @limiter.limit(lambda: current_app.config["RATELIMIT_REFRESH"])
    @auth_blp.login_required(refresh=True)
    @auth_blp.response(200, TokenPairSchema)
    @auth_blp.alt_response(429, description=LIMITED)
    @auth_blp.doc(operationId="refreshTokens")
    def post(self):
        """Exchange a refresh token (in the Authorization header) for a new pair"""
        return service.refresh(current_user, get_jwt())


@auth_blp.route("/logout")
class Logout(MethodView):
    @auth_blp.login_required()
    @auth_blp.response(204)
    @auth_blp.doc(operationId="logout")
    def post(self):
        """End this session: its access and refresh tokens stop working"""
        service.logout(get_jwt())


@auth_blp.route("/logout-all")
class LogoutAll(MethodView):
    @auth_blp.login_required()
    @auth_blp.response(204)
    @auth_blp.doc(operationId="logoutEverywhere")
    def post(self):
        """End every session of this account"""
        service.logout_everywhere(current_user)


@users_blp.route("/me")
class Me(MethodView):
    @users_blp.login_required()
    @users_blp.response(200, UserSchema)
    @users_blp.doc(operationId="getMe")
    def get(self):
        """My profile"""
        return current_user

    @users_blp.login_required()
    @users_blp.arguments(ProfileUpdateSchema, example={"email": "lando.n@example.com"})
    @users_blp.response(200, UserSchema)
    @users_blp.alt_response(409, description="Username or email taken")
    @users_blp.doc(operationId="updateMe")
    def patch(self, data):
        """Change my username or email"""
        return service.update_profile(current_user, data)


@users_blp.route("/me/password")
class MyPassword(MethodView):
    @users_blp.login_required()
    @users_blp.arguments(PasswordChangeSchema, example={"current_password": "correct horse battery",
                                                        "new_password": "battery staple horse"})
    @users_blp.response(200, TokenPairSchema)
    @users_blp.doc(operationId="changePassword")
    def post(self, data):
        """Change my password; every session ends and a new token pair is returned"""
        return service.change_password(current_user, data["current_password"], data["new_password"])
