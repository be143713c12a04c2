"""``sfa demo seed`` at the tiny scale, then what a user exploring it sees:
every view has rows, the reports answer with figures, the command refuses
a second run, and a rebuild of every view gives the rows the live one has."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.cli import main
from api.main import create_app
from infra.bootstrap import Container, bootstrap
from infra.demo.seed import planned
from infra.settings import Settings
from tests.e2e.conftest import TOKENS, auth

UNTIL = "2026-11-01"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "sfa.db"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SFA_SQLITE_PATH", str(path))
        env.delenv("SFA_DATABASE_URL", raising=False)
        assert main(["demo", "seed", "--scale", "tiny", "--until", UNTIL]) == 0
    return path


@pytest.fixture(scope="module")
def engine(seeded: Path) -> Iterator[tuple[TestClient, Container]]:
    container = bootstrap(Settings(sqlite_path=seeded, api_tokens=TOKENS))
    for runner in container.projections.runners.values():
        runner.catch_up()
    with TestClient(create_app(lambda: container)) as client:
        yield client, container


def get(client: TestClient, path: str, **params: Any) -> Any:
    answer = client.get(path, params=params, headers=auth("admin"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def view_rows(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as db:
        names = [
            n
            for (n,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name LIKE 'projections_%' AND name != 'projections_positions'"
            )
        ]
        return {n: sorted(map(repr, db.execute(f'SELECT * FROM "{n}"'))) for n in names}


def test_every_view_table_has_rows(engine: Any, seeded: Path) -> None:
    rows = view_rows(seeded)
    assert len(rows) > 30
    assert [name for name, found in rows.items() if not found] == []


def test_a_second_run_is_refused_and_records_nothing(
    seeded: Path, capsys: pytest.CaptureFixture[str], engine: Any
) -> None:
    _, container = engine
    head = container.app.recorder.max_notification_id()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SFA_SQLITE_PATH", str(seeded))
        assert main(["demo", "seed", "--scale", "tiny", "--until", UNTIL]) == 2
    assert "empty store only" in capsys.readouterr().err
    assert container.app.recorder.max_notification_id() == head


def test_forecast_shows_won_and_open_deals_per_rep(engine: Any) -> None:
    client, _ = engine
    won = get(client, "/forecasts", period="2026", group_by="rep")
    assert len(won["rows"]) >= 2
    (total,) = won["totals"]
    assert float(total["closed_won"]) > 0 and float(total["closed_lost"]) > 0
    assert float(total["open_amount"]) > 0
    later = get(client, "/forecasts", period="2026", group_by="rep", as_of="2026-03-01")
    assert later["totals"] != won["totals"]  # the year is spread over time


def test_control_report_has_lines_and_actions(engine: Any) -> None:
    client, _ = engine
    report = get(client, "/reports/control", period="2026-09", scope="rep")
    assert len(report["lines"]) >= 4
    assert {line["status"] for line in report["lines"]} - {"no_data"}
    march = get(client, "/reports/control", period="2026-04", scope="rep")
    assert any(line["actions"] for line in march["lines"])


def test_reps_have_something_on_their_agenda(engine: Any) -> None:
    client, _ = engine
    reps = planned(1, "tiny", date.fromisoformat(UNTIL)).facts["reps"]
    assert [get(client, f"/reps/{r}")["active"] for r in reps] == [True] * 4
    items = [get(client, f"/reps/{r}/agenda", date=UNTIL)["items"] for r in reps]
    assert sum(map(len, items)) > 0


def test_lists_and_reports_answer(engine: Any) -> None:
    client, _ = engine
    for path in (
        "/accounts",
        "/contacts",
        "/leads",
        "/opportunities",
        "/activities",
        "/orders",
        "/quotes",
        "/lead-lists",
        "/products",
        "/knowledge",
        "/dedup/collisions/overrides",
    ):
        assert get(client, path)["items"], path
    sources = get(client, "/reports/lead-sources")
    assert len(sources["items"]) == 2
    assert any(row["converted"] for row in sources["items"])
    territories = get(client, "/reports/territories", period="2026-10")
    assert any(t["accounts"] for t in territories["territories"])
    time = get(client, "/reports/time", period="2026-10", group_by="rep")
    assert time["rows"]


def test_rebuilt_views_equal_the_live_ones(engine: Any, seeded: Path) -> None:
    _, container = engine
    live = view_rows(seeded)
    for name in container.projections.runners:
        container.projections.rebuild(name)
    assert view_rows(seeded) == live
