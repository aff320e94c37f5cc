"""Every setting the code reads is documented in the README table and in .env.example."""
import re
from pathlib import Path

import pytest

from config import env_bool, env_positive_int

ROOT = Path(__file__).resolve().parent.parent
READERS = re.compile(
    r"""(?:environ\.get|env_int|env_positive_int|env_bool|env_list|env_seconds|env_seconds_list)\(\s*["']([A-Z0-9_]+)["']""")

pytestmark = pytest.mark.smoke


def settings_read_by_code() -> set[str]:
    names = set()
    for path in [ROOT / "config.py", ROOT / "gunicorn.conf.py", *ROOT.glob("fantasy/**/*.py")]:
        names |= set(READERS.findall(path.read_text()))
    return names


def test_every_setting_is_documented():
    names = settings_read_by_code()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "JWT_SECRET_KEY"} <= names
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    assert sorted(name for name in names if f"| `{name}` |" not in readme) == []
    assert sorted(name for name in names if not re.search(rf"^#? ?{name}=", example, re.M)) == []


@pytest.mark.parametrize("raw, expected", [("true", True), ("0", False), ("Yes", True), ("off", False), ("", True)])
def test_strict_boolean_parser(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", True) is expected


def test_strict_boolean_parser_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ValueError, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)


@pytest.mark.parametrize("raw", ["0", "-5", "many"])
def test_a_batch_size_is_a_whole_number_from_1(monkeypatch, raw):
    """A batch of 0 would be LRANGE 0 -1 in the drain's take (notifications/batch.py): every item, no bound."""
    monkeypatch.setenv("NOTIFICATION_BATCH_SIZE", raw)
    with pytest.raises(ValueError, match="NOTIFICATION_BATCH_SIZE must be a whole number from 1"):
        env_positive_int("NOTIFICATION_BATCH_SIZE", 500)
    monkeypatch.setenv("NOTIFICATION_BATCH_SIZE", "1")
    assert env_positive_int("NOTIFICATION_BATCH_SIZE", 500) == 1
