"""Page through a SELECT, or a list of rows already serialized, for smorest's @blp.paginate (X-Pagination)."""
import json

from flask import Response
from sqlalchemy import func, select

from fantasy.common.schemas import MAX_ID
from fantasy.errors import Unprocessable
from fantasy.extensions import db

PAGINATION = {"page": 1, "page_size": 20, "max_page_size": 100}
# The default page of a list that is a grid or a calendar (a season's drivers or races, a classification, a
# league's teams, members or standings): the whole of it, 22 drivers or 24 races included (§11).
GRID_PAGE_SIZE = 30
# No table holds more rows than ids; the cap keeps OFFSET far inside 64 bits on every engine.
MAX_PAGE = MAX_ID


def paginate(statement, pagination_parameters):
    """One page of rows, and the total for smorest's X-Pagination header.

    A SELECT of one entity yields model objects; a SELECT of several columns yields mappings.
    """
    if pagination_parameters.page > MAX_PAGE:
        raise Unprocessable(
            "The request did not validate", errors={"query": {"page": [f"Must be at most {MAX_PAGE}."]}}
        )
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    pagination_parameters.item_count = total
    page_statement = statement.limit(pagination_parameters.page_size).offset(
        pagination_parameters.first_item
    )
    result = db.session.execute(page_statement)
    if len(statement.column_descriptions) == 1:
        return result.scalars().all()
    return result.mappings().all()


def json_page(rows: list[str], pagination_parameters, within: tuple[str, str] | None = None) -> Response:
    """One page of rows that are JSON texts already (cached in response form) as the JSON array response,
    or, `within` (a non-empty JSON object's text, a field name), as that object with the page as the field.

    For `@blp.paginate()` without a pager: smorest then adds X-Pagination and `@blp.response` passes the
    response through, so cached rows are not loaded and dumped again on every read.
    """
    pagination_parameters.item_count = len(rows)
    first = pagination_parameters.first_item
    page = "[" + ",".join(rows[first:first + pagination_parameters.page_size]) + "]"
    if within is not None:
        head, field = within
        page = f"{head[:-1]},{json.dumps(field)}:{page}}}"
    return Response(page, mimetype="application/json")
