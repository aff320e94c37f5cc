"""`flask demo seed`: demo users who can sign in and a replay league ready to play, created once."""
import json
import stat
from pathlib import Path

import pytest

from conftest import AuthActions
from drafts_helpers import API, f1, race_id  # noqa: F401  (f1 is a fixture)


@pytest.fixture
def instance(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path


def test_seed_creates_a_playable_replay_league_once(app, client, runner, f1, instance):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    credentials = json.loads((instance / "demo-credentials.json").read_text())
    assert stat.S_IMODE((instance / "demo-credentials.json").stat().st_mode) == 0o600
    assert credentials["season"] == 2023 and len(credentials["users"]) == 3
    for user in credentials["users"]:
        assert f"{user['username']} / {user['password']}" in first.output

    owner = credentials["users"][0]
    tokens = AuthActions(client).login(owner["username"], owner["password"])
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    league = client.get(f"{API}/leagues/{credentials['league_id']}", headers=headers).get_json()
    assert (league["mode"], league["team_count"], league["my_role"]) == ("replay", 3, "owner")
    opened = client.post(f"{API}/leagues/{league['id']}/drafts/{race_id(app, 2023, 1)}/open", headers=headers)
    assert opened.status_code == 200 and opened.get_json()["state"] == "open"

    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0 and "already present" in again.output
    assert owner["password"] in again.output


def test_seed_without_f1_data_fails_clearly(app, runner, instance):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code != 0 and "flask f1 bootstrap" in result.output
    assert not Path(instance / "demo-credentials.json").exists()
