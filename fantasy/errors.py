"""Domain exceptions and the one JSON error envelope every error answers with (§11)."""
import logging
from http import HTTPStatus

import redis
from flask import Response, g, jsonify, request
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    """A failure the client caused or must know about; services raise these, never abort().

    `fields` names the input fields at fault, each with its messages (`{"team_name": ["Already taken"]}`),
    as domain data: the handler places them under the request's location, where the schema's own field
    errors are (`{"json": {...}}`). `errors` is any other detail, answered as given."""

    code = 400

    def __init__(self, message: str | None = None, errors: dict | None = None, headers: dict | None = None, *,
                 fields: dict[str, list] | None = None):
        super().__init__(message or HTTPStatus(self.code).phrase)
        self.message = message or HTTPStatus(self.code).phrase
        self.errors = errors
        self.fields = fields
        self.headers = headers or {}


class BadRequest(AppError):
    code = 400


class Unauthorized(AppError):
    code = 401


class Forbidden(AppError):
    code = 403


class NotFound(AppError):
    code = 404


class Conflict(AppError):
    code = 409


class Unprocessable(AppError):
    code = 422


class TooManyRequests(AppError):
    code = 429


class ServiceUnavailable(AppError):
    code = 503


def envelope(code: int, message: str | None = None, errors: dict | None = None, headers=None) -> Response:
    body = {"code": code, "status": HTTPStatus(code).phrase, "request_id": g.get("request_id")}
    if message:
        body["message"] = message
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _input_location() -> str:
    """Where the request's fields came from, named as webargs names its locations: the JSON body, else the
    query string."""
    return "json" if request.is_json else "query"


def handle_app_error(error: AppError):
    errors = error.errors
    if error.fields:
        errors = {**(errors or {}), _input_location(): error.fields}
    return envelope(error.code, error.message, errors, error.headers)


def handle_http_exception(error: HTTPException):
    # webargs/smorest attach validation messages to error.data; keep them, drop everything else.
    data = getattr(error, "data", None) or {}
    errors = data.get("messages")
    headers = dict(data.get("headers") or {})
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if error.code == 429:
        # Flask-Limiter's own headers (Retry-After, X-RateLimit-*) are added after the handler runs.
        message = "Too many requests: slow down and retry after the number of seconds in Retry-After"
    else:
        message = data.get("message") or error.description
    if error.code == 422 and errors:
        message = "The request did not validate"
    return envelope(error.code or 500, message, errors, headers)


def handle_unavailable(error: Exception):
    log.error("dependency unavailable: %s", type(error).__name__)
    return envelope(503, "A backing service is unavailable; retry shortly", headers={"Retry-After": "5"})


# PostgreSQL's deadlock_detected and serialization_failure: the transaction lost a race and was rolled
# back whole, so the client may simply send the request again.
RETRYABLE_PGCODES = frozenset({"40P01", "40001"})


def handle_operational(error: OperationalError):
    if getattr(error.orig, "pgcode", None) in RETRYABLE_PGCODES:
        log.warning("transaction lost a race: %s", error.orig.pgcode)
        return envelope(409, "A concurrent change got in the way; try again")
    return handle_unavailable(error)


def handle_data_error(error: DataError):
    # A safety net: schemas should have refused the value already (too long, out of range, bad bytes).
    log.warning("database refused a value: %s", type(error.orig).__name__)
    return envelope(422, "A value does not fit its field")


def handle_unexpected(error: Exception):
    log.exception("unhandled error")
    return envelope(500, "Internal server error")


def register_error_handlers(app) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(redis.RedisError, handle_unavailable)
    app.register_error_handler(OperationalError, handle_operational)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(Exception, handle_unexpected)


def register_jwt_error_loaders(jwt) -> None:
    """Every token problem is a 401 in the envelope (the library answers some with 422 by default)."""

    def unauthorized(message):
        return envelope(401, message, headers={"WWW-Authenticate": "Bearer"})

    jwt.unauthorized_loader(lambda reason: unauthorized("Missing bearer token"))
    # Also fires for a refresh token used as an access token and vice versa (WrongTokenError).
    jwt.invalid_token_loader(lambda reason: unauthorized("Invalid token, or the wrong type of token"))
    jwt.expired_token_loader(lambda header, payload: unauthorized("Token has expired"))
    jwt.revoked_token_loader(lambda header, payload: unauthorized("Token has been revoked"))
    jwt.needs_fresh_token_loader(lambda header, payload: unauthorized("Fresh token required"))
    jwt.token_verification_failed_loader(lambda header, payload: unauthorized("Token verification failed"))
    jwt.user_lookup_error_loader(lambda header, payload: unauthorized("Account not found or deactivated"))
