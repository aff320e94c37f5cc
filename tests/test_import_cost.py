"""No work at import: importing one module loads that module and what it needs, not the app (create_app
imports the blueprints, the CLI groups and the job layer, and registers listeners, when it runs)."""
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each check imports in a fresh interpreter
ROOT = Path(__file__).resolve().parents[1]


def loaded_after(statement: str) -> list[str]:
    code = f"{statement}; import sys; print(' '.join(sorted(m for m in sys.modules if m.startswith('fantasy'))))"
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return output.stdout.split()


def test_importing_the_pure_scoring_rules_loads_no_blueprint_and_no_job():
    loaded = loaded_after("import fantasy.scoring.rules")
    assert "fantasy.scoring.rules" in loaded
    assert [name for name in loaded if name.endswith("routes") or name.startswith("fantasy.jobs")] == []
    assert len(loaded) <= 15, loaded  # 12 today (107 when fantasy/__init__.py imported every blueprint)


def test_importing_the_app_factory_loads_nothing_of_the_app_until_it_runs():
    assert loaded_after("import fantasy") == ["fantasy"]
    after_create = loaded_after("from fantasy import create_app; create_app('testing')")
    assert {"fantasy.jobs", "fantasy.scoring.routes", "fantasy.leagues.routes"} <= set(after_create)
