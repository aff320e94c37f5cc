"""The database engine the suite runs on, for the few tests whose subject cannot exist on SQLite (§3)."""
import os

import pytest

ON_SQLITE = not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres")


def postgresql_only(reason: str):
    """Skip on the embedded default, saying why the subject cannot happen there."""
    return pytest.mark.skipif(ON_SQLITE, reason=f"cannot happen on SQLite: {reason}")
