"""Forecast and control-report latency on PostgreSQL over a large history.

One run: (a) records a two-year history (benchmarks.reports_workload) of
--events events with --reps reps, (b) catches the forecast, control and
actions views up (events/s), then (c) times each read --repeat times, as the
routes run it (queries and the response model, not the HTTP parsing):
  - baseline: one primary-key read of the forecast view (a round trip);
  - the current forecast of this quarter, by rep and by team;
  - the forecast as of a year back, for that moment's quarter, by rep;
  - the control report of last month per rep and per team (trend 3).
Figures: p50 and p99 in ms, and p99 as a multiple of the baseline's p50.
Targets (issue 7): current forecast and control report p99 < 100 ms; as-of
forecast p99 < 2 s.

    python -m benchmarks.bench_reports [--events N] [--reps N] [--quick] [--keep]

The database comes from SFA_BENCH_DATABASE_URL (default: local `test`); the
run uses schemas bench_reports{,_views}, dropped before and after (--keep
keeps them).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.projections_workload import progress_line
from benchmarks.reports_report import Timing, report
from benchmarks.reports_workload import History
from benchmarks.store_admin import Admin
from commands.application import SalesApplication
from infra.pg_datastore import PgDatastore
from infra.projection_host import progress_printer
from infra.settings import Settings
from infra.view_store import PgViewStore
from projections.actions import CorrectiveActions
from projections.adjustments import Adjustments
from projections.control import Control
from projections.forecast import Forecast
from projections.runner import Runner
from projections.view import View

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_reports"
VIEWS_SCHEMA = f"{SCHEMA}_views"
VIEWS: tuple[type[View], ...] = (Forecast, Control, CorrectiveActions, Adjustments)


@dataclass(frozen=True)
class Plan:
    events: int
    reps: int
    repeat: int
    keep: bool


def parse_args(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="log size")
    parser.add_argument("--reps", type=int, default=200, help="reps (teams of 10)")
    parser.add_argument("--repeat", type=int, default=200, help="reads per figure")
    parser.add_argument("--quick", action="store_true", help="20,000 events, 20 reps")
    parser.add_argument("--keep", action="store_true", help="keep the schemas")
    args = parser.parse_args(argv)
    if args.quick:
        return Plan(20_000, 20, 30, args.keep)
    return Plan(args.events, args.reps, args.repeat, args.keep)


def catch_up(app: SalesApplication, store: PgViewStore) -> dict[str, float]:
    """Each view from 0, alone: events/s."""
    rates = {}
    head = app.recorder.max_notification_id() or 0
    for view in VIEWS:
        store.create(view)
        show = progress_printer(f"(b) {view.name}", sys.stderr.write)
        started = time.perf_counter()
        Runner(view(), store, app).catch_up(progress=show)
        rates[view.name] = head / (time.perf_counter() - started)
        sys.stderr.write("\n")
    return rates


def timing(name: str, repeat: int, read: Callable[[], Any]) -> Timing:
    read()  # warm: plans and caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        read()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return Timing(name, statistics.median(samples), p99, repeat)


def main(argv: list[str] | None = None) -> int:
    from benchmarks.reports_reads import reads

    plan = parse_args(argv)
    url = os.environ.get("SFA_BENCH_DATABASE_URL", DEFAULT_URL)
    now = datetime.now(UTC)
    with Admin(url) as admin:
        admin.recreate_schemas([SCHEMA, VIEWS_SCHEMA])
    env = {**Settings(database_url=url).persistence_env(), "SFA_DB_SCHEMA": SCHEMA}
    app = SalesApplication(env=env)
    datastore = PgDatastore(url, schema=VIEWS_SCHEMA, pool_size=4)
    store = PgViewStore(datastore, schema=VIEWS_SCHEMA)
    try:
        show = progress_line("(a) record")
        started = time.perf_counter()
        head = History(app, plan.reps, now=now).record(plan.events, show)
        record_rate = head / (time.perf_counter() - started)
        rates = catch_up(app, store)
        timings = [
            timing(name, plan.repeat, read)
            for name, read in reads(store, now, now - timedelta(days=365))
        ]
    finally:
        datastore.close()
        app.close()
        if not plan.keep:
            with Admin(url) as admin:
                admin.drop_schemas([SCHEMA, VIEWS_SCHEMA])
    summary = report(plan.events, plan.reps, head, record_rate, rates, timings)
    sys.stdout.write(summary["text"])
    out = Path(__file__).resolve().parent / "results" / "bench_reports-latest.json"
    out.write_text(json.dumps(summary["json"], indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
