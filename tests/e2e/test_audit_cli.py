"""``sfa audit verify`` and ``sfa audit export`` on a real store file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from api.cli import main
from infra.bootstrap import bootstrap
from infra.settings import Settings


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with the default pipeline and three reps (a few events)."""
    from commands.base import Caller, Context, execute
    from commands.reps import RegisterRep, register_rep

    path = tmp_path / "sfa.db"
    monkeypatch.setenv("SFA_SQLITE_PATH", str(path))
    monkeypatch.delenv("SFA_DATABASE_URL", raising=False)
    container = bootstrap(Settings(sqlite_path=path))
    admin = Context(Caller("setup", frozenset({"admin"})))
    for n in range(3):
        command = RegisterRep(name=f"Rep {n}", email=f"r{n}@sfa.dev")
        execute(register_rep, container.app, command, admin)
    container.close()
    return path


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


class TestVerify:
    def test_intact_exits_0(
        self, store: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["audit", "verify"]) == 0
        out = capsys.readouterr()
        assert "ledger intact from position 1 up to position" in out.out
        assert "events/s" in out.err  # the progress line

    def test_tampered_exits_1_naming_the_position(
        self, store: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with sqlite3.connect(store) as conn:
            conn.execute("DROP TRIGGER stored_events_no_delete")
            conn.execute("DELETE FROM stored_events WHERE rowid = 2")
        assert main(["audit", "verify"]) == 1
        assert "broken at position 2: event missing" in capsys.readouterr().out
        assert main(["audit", "verify", "--to", "1"]) == 0


class TestExport:
    def test_writes_the_log_as_json_lines(self, store: Path, tmp_path: Path) -> None:
        out = tmp_path / "log.jsonl"
        assert main(["audit", "export", "--out", str(out)]) == 0
        events = lines(out)
        assert [e["position"] for e in events] == list(range(1, len(events) + 1))
        assert events[-1]["type"] == "sfa.rep.registered.v1"

    def test_resumes_after_an_interrupted_run(
        self, store: Path, tmp_path: Path
    ) -> None:
        whole, part = tmp_path / "whole.jsonl", tmp_path / "part.jsonl"
        main(["audit", "export", "--out", str(whole)])
        text = whole.read_text()
        cut = text.index("\n", text.index("\n") + 1) + 12  # two lines and a bit
        part.write_text(text[:cut])
        assert main(["audit", "export", "--out", str(part)]) == 0
        assert part.read_text() == text
        assert main(["audit", "export", "--out", str(part)]) == 0  # nothing new
        assert part.read_text() == text

    def test_filters_and_after(self, store: Path, tmp_path: Path) -> None:
        out = tmp_path / "reps.jsonl"
        args = ["audit", "export", "--out", str(out), "--after", "2"]
        main([*args, "--aggregate-type", "rep", "--actor", "setup"])
        events = lines(out)
        assert len(events) >= 2
        assert all(e["aggregate_type"] == "rep" for e in events)
        assert all(int(str(e["position"])) > 2 for e in events)
