"""Page through a SELECT for smorest's @blp.paginate (page, page_size, X-Pagination)."""
from sqlalchemy import func, select

from fantasy.extensions import db

PAGINATION = {"page": 1, "page_size": 20, "max_page_size": 100}


def paginate(statement, pagination_parameters):
    """Return one page of scalars and tell smorest the total for the X-Pagination header."""
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    pagination_parameters.item_count = total
    page_statement = statement.limit(pagination_parameters.page_size).offset(
        pagination_parameters.first_item
    )
    return db.session.scalars(page_statement).all()
