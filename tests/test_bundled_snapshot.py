"""The bundled snapshot (`fantasy/f1data/snapshot/`): a whole 2023 season to replay offline, with its licence."""
import os
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from fantasy.extensions import db
from fantasy.f1data import service
from fantasy.f1data.models import Race, SessionKind, SessionResult
from fantasy.f1data.offline import BUNDLED

ROOT = BUNDLED.parent.parent.parent


def rows_per_round(session: SessionKind) -> Counter:
    return Counter(db.session.scalars(
        select(Race.round).join(SessionResult, SessionResult.race_id == Race.id)
        .where(Race.season_year == 2023, SessionResult.session == session)
    ))


def test_bundled_2023_holds_every_round_sprint_and_qualifying(app):
    with app.app_context():
        service.load_snapshot()
        rounds = db.session.scalars(select(Race.round).where(Race.season_year == 2023).order_by(Race.round)).all()
        races, sprints = rows_per_round(SessionKind.race), rows_per_round(SessionKind.sprint)
        qualifying = rows_per_round(SessionKind.qualifying)

    assert rounds == list(range(1, 23))
    # 20 classified cars a Grand Prix, 440 rows in all: every round can be scored.
    assert races == {round_: 20 for round_ in rounds}
    # The six sprint weekends of 2023: Baku, Austria, Spa, Qatar, Austin and São Paulo.
    assert sprints == {round_: 20 for round_ in (4, 9, 12, 17, 18, 20)}
    assert qualifying == {round_: 20 for round_ in rounds}


def test_the_licence_notice_sits_beside_the_data_and_nothing_points_outside_the_repo():
    notice = (BUNDLED / "2023" / "README.md").read_text()
    assert "CC BY-NC-SA 4.0" in notice and "Jolpica" in notice
    assert "creativecommons.org/licenses/by-nc-sa/4.0" in (BUNDLED / "README.md").read_text()
    outside = ("../shared", "STACK-NOTES")  # the workspace's notes beside the repository, not in it
    assert [path for path in repository_text() if any(name in path.read_text() for name in outside)] == []


def repository_text():
    """The repository's own text files (not the virtualenv, git's store or instance data)."""
    names = {"Makefile", "Procfile", ".env.example", "run"}
    suffixes = {".py", ".md", ".txt", ".toml", ".ini", ".cfg", ".mako", ".sh", ".yml", ".yaml"}
    skipped = {".venv", ".git", "instance", "node_modules", "__pycache__", ".pytest_cache"}
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in skipped]
        for name in files:
            path = Path(folder, name)
            if (path.suffix in suffixes or name in names) and path != Path(__file__).resolve():
                yield path
