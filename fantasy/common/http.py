"""HTTP hygiene applied to every response: security headers, no-store on secrets, Retry-After only where it is
meant, CORS from an allow-list, no cookie session."""
from functools import wraps

from flask import after_this_request, request
from flask.sessions import SecureCookieSessionInterface

# Tokens, the profile, and the stream's single-use tickets.
NO_STORE_PREFIXES = ("/api/v1/auth/", "/api/v1/users/me", "/api/v1/events")
# Retry-After means "come back then" only on these: on a 409 or a 401 a client would wait for nothing.
RETRY_AFTER_STATUSES = (429, 503)
CORS_ALLOW_HEADERS = "Authorization, Content-Type, X-Request-ID"
CORS_EXPOSE_HEADERS = "X-Request-ID, X-Pagination, Retry-After"
# Added, not set-if-absent: no route sets these itself, and four setdefault scans cost ~9 us a request.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)


class NoCookieSessions(SecureCookieSessionInterface):
    """Every request gets Flask's null session: the API authenticates with bearer tokens and sets no cookie.

    The default opens a signed-cookie session on every request because SECRET_KEY is set, building its
    signing serializer each time: ~25-30 us of a ~175 us /healthz request (in process). Writing to
    `flask.session` raises (with Flask's "no secret key" message).
    """

    def open_session(self, app, request):
        return self.make_null_session(app)


def forbid_caching(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def no_store(view):
    """For a view whose answer can carry a secret (a league's invite code): no cache may keep it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        after_this_request(forbid_caching)
        return view(*args, **kwargs)

    return wrapper


def init_http(app) -> None:
    app.session_interface = NoCookieSessions()
    allowed_origins = frozenset(app.config["CORS_ORIGINS"])

    def harden(response):
        headers = response.headers
        headers.extend(SECURITY_HEADERS)
        if request.path.startswith(NO_STORE_PREFIXES):
            forbid_caching(response)
        if response.status_code not in RETRY_AFTER_STATUSES:
            # Flask-Limiter sets it on every answer of a limited route, a 200 or a 401 included.
            headers.pop("Retry-After", None)
        origin = request.headers.get("Origin")
        if origin:
            headers.add("Vary", "Origin")
            if origin in allowed_origins:
                headers["Access-Control-Allow-Origin"] = origin
                headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
                if request.method == "OPTIONS":
                    headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE"
                    headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
                    headers["Access-Control-Max-Age"] = "600"
        return response

    # Flask runs after_request hooks last-registered first: at the front of the list this one runs last,
    # after Flask-Limiter's (registered earlier, in limiter.init_app) has added its headers.
    app.after_request_funcs.setdefault(None, []).insert(0, harden)
