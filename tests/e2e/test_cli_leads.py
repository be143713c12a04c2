"""``sfa leads import``: a CSV imported from the command line, with a
progress bar, a summary, the rejected rows in an error file, and a second
run that imports nothing new."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.cli import main

CSV = """First Name,Last Name,E-mail
Ada,Lovelace,ada@example.com
Bob,Builder,not-an-email
"""


def test_import_reports_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SFA_SQLITE_PATH", str(tmp_path / "sfa.db"))
    monkeypatch.delenv("SFA_DATABASE_URL", raising=False)
    source = tmp_path / "expo.csv"
    source.write_text(CSV)
    errors = tmp_path / "errors.csv"
    argv = ["leads", "import", str(source), "--list", "Expo", "--cost-per-lead", "1.20"]
    assert main([*argv, "--errors", str(errors)]) == 0
    out = capsys.readouterr()
    assert "2 rows, 1 imported, 0 already there, 1 rejected" in out.out
    assert "row 2: email:" in out.out
    assert "import Expo: 2/2 (100.0 %)" in out.err
    assert errors.read_text().splitlines()[1].startswith("2,email,")
    assert main(argv) == 0
    assert "0 imported, 1 already there" in capsys.readouterr().out


def test_a_bad_mapping_is_a_message_not_a_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SFA_SQLITE_PATH", str(tmp_path / "sfa.db"))
    monkeypatch.delenv("SFA_DATABASE_URL", raising=False)
    source = tmp_path / "x.csv"
    source.write_text(CSV)
    argv = ["leads", "import", str(source), "--list", "X", "--cost-per-lead", "1"]
    assert main([*argv, "--map", "Phone=phone"]) == 2
    assert "no columns ['Phone']" in capsys.readouterr().err
