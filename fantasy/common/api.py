"""The project's smorest Blueprint: default pagination and documented bearer auth in one place."""
from functools import wraps

import flask_smorest
from flask_jwt_extended import current_user, jwt_required

from fantasy.common.pagination import PAGINATION
from fantasy.errors import Forbidden

BEARER = [{"bearerAuth": []}]


class Blueprint(flask_smorest.Blueprint):
    DEFAULT_PAGINATION_PARAMETERS = PAGINATION

    def login_required(self, *, refresh: bool = False, admin: bool = False):
        """Require a valid token of the right type (and the admin role), and document it."""

        def decorator(func):
            @wraps(func)
            def check_role(*args, **kwargs):
                if admin and not current_user.is_admin:
                    raise Forbidden("Admins only")
                return func(*args, **kwargs)

            guarded = jwt_required(refresh=refresh)(check_role)
            responses = {"401": "Missing, invalid, expired or revoked token"}
            if admin:
                responses["403"] = "Not an admin"
            return self.doc(security=BEARER, responses=responses)(guarded)

        return decorator
