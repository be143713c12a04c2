"""``sfa audit verify --against FILE|-``: checkpoints kept outside the
database (as the Kafka relay publishes them, or as ``GET /audit/checkpoints``
lists them) compared with the ledger of a real store file."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from api.cli import main
from infra.bootstrap import bootstrap
from infra.kafka.checkpoints import checkpoint_document
from infra.ledger import CHECKPOINT_ENV
from infra.settings import Settings


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with a checkpoint every 2 positions and a copy of them kept
    as the relay publishes them (``kept.jsonl``)."""
    from commands.base import Caller, Context, execute
    from commands.reps import RegisterRep, register_rep

    path = tmp_path / "sfa.db"
    monkeypatch.setenv("SFA_SQLITE_PATH", str(path))
    monkeypatch.setenv(CHECKPOINT_ENV, "2")
    monkeypatch.delenv("SFA_DATABASE_URL", raising=False)
    container = bootstrap(Settings(sqlite_path=path))
    admin = Context(Caller("setup", frozenset({"admin"})))
    for n in range(7):
        command = RegisterRep(name=f"Rep {n}", email=f"r{n}@sfa.dev")
        execute(register_rep, container.app, command, admin)
    marks = container.app.recorder.select_checkpoints(0, 1000)  # type: ignore[attr-defined]
    assert len(marks) >= 3
    docs = [json.dumps(checkpoint_document(c, "sfa")) for c in marks]
    (tmp_path / "kept.jsonl").write_text("\n".join(docs) + "\n")
    container.close()
    return path


def test_kept_checkpoints_that_match_exit_0(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = store.parent / "kept.jsonl"
    doc = json.loads(kept.read_text().splitlines()[0])
    assert doc["type"] == "sfa.audit.checkpoint.v1"
    assert doc["data"]["kind"] == "periodic"
    assert doc["time"] == doc["data"]["recorded_at"]
    assert doc["time"].endswith("Z") and "T" in doc["time"]  # SQLite's too
    assert main(["audit", "verify", "--against", str(kept)]) == 0
    assert "kept checkpoints match the ledger" in capsys.readouterr().out


def test_the_api_listing_read_from_stdin_is_accepted(
    store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = (store.parent / "kept.jsonl").read_text().splitlines()
    listing = [json.loads(d)["data"] for d in docs]  # GET /audit/checkpoints
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(listing)))
    assert main(["audit", "verify", "--against", "-"]) == 0
    assert f"{len(listing)} kept checkpoints match" in capsys.readouterr().out


def test_a_rewritten_chain_disagrees_with_the_kept_copy(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = store.parent / "kept.jsonl"
    docs = [json.loads(line) for line in kept.read_text().splitlines()]
    docs[1]["data"]["hash"] = "ab" * 32  # what the copy saw differs
    kept.write_text("\n".join(json.dumps(d) for d in docs))
    assert main(["audit", "verify", "--against", str(kept)]) == 1
    position = docs[1]["data"]["position"]
    assert f"kept checkpoint at {position} holds {'ab' * 32}" in capsys.readouterr().out


def test_a_cut_tail_is_found_only_with_the_kept_copy(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = store.parent / "kept.jsonl"
    last = json.loads(kept.read_text().splitlines()[-1])["data"]["position"]
    with sqlite3.connect(store) as conn:
        for trigger in ("no_delete", "checkpoints_no_delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS stored_events_{trigger}")
        conn.execute("DELETE FROM stored_events WHERE rowid >= ?", [last])
        conn.execute(
            "DELETE FROM stored_events_checkpoints WHERE position >= ?", [last]
        )
    assert main(["audit", "verify"]) == 0  # a shorter, consistent chain
    capsys.readouterr()
    assert main(["audit", "verify", "--against", str(kept)]) == 1
    assert f"kept checkpoint at {last} is beyond the log's head" in (
        capsys.readouterr().out
    )


def test_a_file_that_is_not_checkpoints_exits_2(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = store.parent / "bad.json"
    bad.write_text('{"position": 2}')
    assert main(["audit", "verify", "--against", str(bad)]) == 2
    assert "not a checkpoint" in capsys.readouterr().err
