"""Every domain's models, imported in one place for Alembic and the shell."""
from fantasy.auth.models import Role, User  # noqa: F401
