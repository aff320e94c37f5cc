"""The project's smorest Blueprint: the request parser, pagination, bounded id paths, documented bearer auth and
the error statuses every operation documents."""
import json
from collections.abc import Callable
from functools import lru_cache, wraps

import flask_smorest
import marshmallow as ma
from flask_jwt_extended import get_current_user, jwt_required
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter

from fantasy.common.pagination import PAGINATION
from fantasy.common.schemas import MAX_ID
from fantasy.errors import Forbidden

BEARER = [{"bearerAuth": []}]


class IdConverter(IntegerConverter):
    """`<id:name>` in a route: 1..MAX_ID, so an id no row can have is a 404 before any query."""

    regex = r"\d{1,10}"

    def __init__(self, map):
        super().__init__(map, min=1, max=MAX_ID)


class Parser(FlaskParser):
    """webargs' parser, except that JSON Python cannot hold is a 400 like any other bad JSON, and schema
    classes are instantiated once.

    A 5,000-digit number (int digit limit) and nesting past the recursion limit both parse as JSON text but
    raise ValueError/RecursionError rather than JSONDecodeError, which webargs would let through as a 500.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._schemas: dict[type, ma.Schema] = {}

    def _get_schema(self, argmap, req) -> ma.Schema:
        """A schema class (smorest's pagination parameters, our query schemas) is instantiated once, not
        per request: marshmallow deep-copies every declared field on instantiation (bench/README.md §3)."""
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            if argmap not in self._schemas:
                self._schemas[argmap] = argmap()
            return self._schemas[argmap]
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except (ValueError, RecursionError) as error:
            self._handle_invalid_json_error(error, req)


class Blueprint(flask_smorest.Blueprint):
    """smorest's Blueprint; `backing_services=False` for routes that touch neither the database nor Redis."""

    ARGUMENTS_PARSER = Parser()
    PAGINATION_ARGUMENTS_PARSER = Parser()
    DEFAULT_PAGINATION_PARAMETERS = PAGINATION

    def __init__(self, *args, backing_services: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.backing_services = backing_services
        self._prepare_doc_cbks.append(self._prepare_errors_doc)

    def add_url_rule(self, rule, *args, **kwargs):
        super().add_url_rule(rule, *args, **kwargs)
        # smorest's doc callbacks never see the rule; they need to know whether it has path parameters.
        for method, info in self._docs[self._endpoints[-1]].items():
            if method != "parameters":
                info["path_parameters"] = "<" in rule

    def _prepare_errors_doc(self, doc, doc_info, *, api, method, **kwargs):
        """Every error status an operation answers, each with the error envelope (§11).

        The statuses that follow from the kind of operation are added here: 400 (a body that is not JSON),
        404 (a path id that names nothing), 409 (a write that lost a race with another: PostgreSQL rolled it
        back, send it again) and 503 (the database or Redis unreachable). 401 comes from `login_required`,
        422 from `arguments`; what an operation's service raises besides (403, a 404 or 409 that says more,
        429) is its own `alt_response`, which wins over the generic text here.
        """
        responses = doc.setdefault("responses", {})
        common = {}
        if "requestBody" in doc:
            common[400] = "The body is not valid JSON"
        if doc_info.get("path_parameters"):
            common[404] = "Nothing has this id (or it is not visible to you)"
        if self.backing_services and method != "get":
            common[409] = "A concurrent change got in the way; send the request again"
        if self.backing_services:
            common[503] = "A backing service is unavailable; retry after Retry-After"
        documented = {str(status) for status in responses}
        for status, description in common.items():
            if str(status) not in documented:
                responses[status] = {"description": description}
        for status, response in responses.items():
            if int(status) >= 400 and isinstance(response, dict) and "content" not in response:
                response["content"] = {api.DEFAULT_RESPONSE_CONTENT_TYPE: {"schema": api.ERROR_SCHEMA}}
        return doc

    @staticmethod
    @lru_cache(maxsize=4096)
    def _make_pagination_metadata(page, page_size, item_count):
        """smorest's X-Pagination content, remembered: it builds a marshmallow schema on every call."""
        return flask_smorest.Blueprint._make_pagination_metadata(page, page_size, item_count)

    def login_required(self, *, refresh: bool = False, admin: bool = False, ahead: Callable[..., None] | None = None):
        """Require a valid token of the right type (and the admin role), and document it.

        `ahead` is called with the view's URL arguments before the token is checked, to ask for reads the token
        check's Redis round trip can make too (common/snapshots.ahead); it decides nothing. This decorator is the
        view's outermost, so the keyword arguments it sees are the URL's."""

        def decorator(func):
            @wraps(func)
            def check_role(*args, **kwargs):
                if admin and not get_current_user().is_admin:  # the token's principal (auth/tokens.py)
                    raise Forbidden("Admins only")
                return func(*args, **kwargs)

            checked = jwt_required(refresh=refresh)(check_role)
            if ahead is None:
                guarded = checked
            else:
                @wraps(checked)
                def guarded(*args, **kwargs):
                    ahead(**kwargs)
                    return checked(*args, **kwargs)
            guarded = self.alt_response(401, description="Missing, invalid, expired or revoked token")(guarded)
            if admin:
                guarded = self.alt_response(403, description="Not an admin")(guarded)
            return self.doc(security=BEARER)(guarded)

        return decorator
