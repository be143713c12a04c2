"""``sfa territories realign``: a preview that records nothing, then
``--apply`` with a progress bar, then nothing left to move."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.cli import main
from commands import accounts as acc
from commands import territories as cmd
from commands.base import Caller, Context, execute
from infra.bootstrap import bootstrap
from infra.settings import Settings

ADMIN = Context(Caller("root", frozenset({"admin"})))


def test_preview_then_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SFA_SQLITE_PATH", str(tmp_path / "sfa.db"))
    monkeypatch.delenv("SFA_DATABASE_URL", raising=False)
    container = bootstrap(Settings(sqlite_path=tmp_path / "sfa.db"), seed=False)
    app = container.app
    rules = [cmd.Rule(name="de", country="DE")]
    made = execute(cmd.create_territory, app, cmd.CreateTerritory(name="EMEA"), ADMIN)
    execute(acc.open_account, app, acc.OpenAccount(name="Acme", country="DE"), ADMIN)
    change = cmd.SetTerritoryRules(territory_id=made.aggregate.id, rules=rules)
    execute(cmd.set_territory_rules, app, change, ADMIN)
    head = app.recorder.max_notification_id()
    container.close()

    assert main(["territories", "realign"]) == 0
    assert "Acme: - -> EMEA (rule de)" in capsys.readouterr().out
    assert main(["territories", "realign", "--apply"]) == 0
    out = capsys.readouterr()
    assert "1 moves recorded" in out.out and "realign: 1/1" in out.err
    assert main(["territories", "realign"]) == 0
    assert "0 would move" in capsys.readouterr().out
    container = bootstrap(Settings(sqlite_path=tmp_path / "sfa.db"), seed=False)
    assert (container.app.recorder.max_notification_id() or 0) > (head or 0)
    container.close()
