"""List defaults hold a whole grid or calendar (§11): a client's first page is the season, not most of it."""
import json

import pytest

from drafts_helpers import API

pytestmark = pytest.mark.usefixtures("f1")


@pytest.mark.parametrize("path, count", [("/drivers?season=2023", 22), ("/seasons/2023/races", 22)])
def test_a_season_fits_the_default_page(client, path, count):
    response = client.get(f"{API}{path}")
    assert response.status_code == 200
    assert len(response.get_json()) == count
    assert json.loads(response.headers["X-Pagination"]) == {"total": count, "total_pages": 1, "first_page": 1,
                                                           "last_page": 1, "page": 1}

