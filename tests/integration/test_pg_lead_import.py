"""Lead-list imports on PostgreSQL: two engines importing the same file at
the same moment land every good row exactly once; the lead-sources view
on PostgreSQL gives the report's figures and rebuilds to the same rows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from commands import lead_import as imp
from commands.application import SalesApplication
from commands.base import Caller, Context
from commands.lead_csv import default_mapping, read_csv
from domain.lead_list import row_lead_id
from infra.view_store import PgViewStore
from projections.lead_sources import LeadSources
from projections.lead_sources_query import lead_sources
from projections.runner import Runner
from tests.integration.engines import Engine, two_engines
from tests.view_rows import view_rows

pytestmark = pytest.mark.postgres

SCHEMA = "sfa_test_lead_import"
VIEWS = "sfa_test_lead_import_views"
CTX = Context(Caller("ops", frozenset({"admin"})))
ROWS = 450  # three chunks of 200, the last one short


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    with two_engines(postgres_url, SCHEMA, VIEWS) as engines:
        yield engines


def csv_text() -> str:
    lines = ["email,last_name,company"]
    for n in range(1, ROWS + 1):
        email = "broken" if n % 10 == 0 else f"p{n}@example.com"
        lines.append(f"{email},Person {n},Co {n}")
    return "\n".join(lines) + "\n"


def run(app: SalesApplication, start: threading.Barrier) -> imp.Report:
    header, rows = read_csv(csv_text())
    command = imp.RegisterLeadList.model_validate(
        {
            "name": "Trade fair",
            "source": {
                "kind": "purchased_list",
                "cost_per_lead": "0.5",
                "currency": "EUR",
            },
            "mapping": default_mapping(header),
        }
    )
    start.wait()
    return imp.import_rows(app, CTX, command, rows)


def test_racing_imports_land_each_row_once(engine: Engine) -> None:
    """Given two engines importing the same 450 rows (every tenth bad) at
    once: 405 leads exist, each once; between them the two runs imported
    405 and rejected the 45 bad rows; the list counts 405 imported, and the
    report costs them at 0.5 EUR each."""
    one, two, store = engine
    start = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:
        reports = [
            r.result() for r in [pool.submit(run, app, start) for app in (one, two)]
        ]
    assert sum(r.imported for r in reports) == 405
    assert all(r.rows == ROWS for r in reports)
    list_id = reports[0].list_id
    found: Any = one.repository.get(list_id)
    assert (found.imported, len(found.rejected)) == (405, 45)
    for n in (1, 10, 450):
        events = list(one.events.get(row_lead_id(list_id, n)))
        assert len(events) == (0 if n % 10 == 0 else 1)
    Runner(LeadSources(), store, one).catch_up()
    with store.transaction() as cursor:
        (row,) = lead_sources(cursor, store.names(LeadSources))
    assert (row["leads"], row["cost"], row["cost_per_won_deal"]) == (
        405,
        Decimal("202.5"),
        None,
    )
    live = everything(store)
    Runner(LeadSources(), store, one, shadow=True, batch_size=7).catch_up()
    store.swap(LeadSources)
    assert everything(store) == live


def everything(store: PgViewStore) -> dict[str, list[Any]]:
    return view_rows(store, LeadSources, "1")
