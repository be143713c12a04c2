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
    python -m benchmarks.bench_reports --build [--events N] [--reps N]
    python -m benchmarks.bench_reports --views
    python -m benchmarks.bench_reports --reuse [--repeat N]

The database comes from SFA_BENCH_DATABASE_URL (default: local `test`); the
run uses schemas bench_reports{,_views}, dropped before and after (--keep
keeps them). A long history can be built apart from the timed reads:
--build records and catches up (a), (b) only, keeps the schemas and writes
what it measured to results/bench_reports-build.json; --views catches the
views of that build up again from 0, (b) only; --reuse then times (c) over
those schemas (with the build's clock and figures), and keeps them.
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

from psycopg2 import sql

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.projections_workload import progress_line
from benchmarks.reports_report import Timing, report
from benchmarks.reports_workload import History
from benchmarks.store_admin import Admin
from commands.application import SalesApplication
from infra import gc_tuning
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


RESULTS = Path(__file__).resolve().parent / "results"
BUILD = RESULTS / "bench_reports-build.json"
KEPT = ("reuse", "views")  # phases over a kept build


@dataclass(frozen=True)
class Plan:
    events: int
    reps: int
    repeat: int
    keep: bool
    phase: str = "all"  # "all", "build" (a, b), "views" (b again) or "reuse" (c)


def parse_args(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="log size")
    parser.add_argument("--reps", type=int, default=200, help="reps (teams of 10)")
    parser.add_argument("--repeat", type=int, default=200, help="reads per figure")
    parser.add_argument("--quick", action="store_true", help="20,000 events, 20 reps")
    parser.add_argument("--keep", action="store_true", help="keep the schemas")
    phase = parser.add_mutually_exclusive_group()
    phase.add_argument("--build", action="store_true", help="(a), (b) only; keep")
    phase.add_argument("--reuse", action="store_true", help="(c) on a --build")
    phase.add_argument("--views", action="store_true", help="(b) on a --build")
    args = parser.parse_args(argv)
    which = next((p for p in ("build", "reuse", "views") if getattr(args, p)), "all")
    keep = args.keep or which != "all"
    if args.quick:
        return Plan(20_000, 20, 30, keep, which)
    return Plan(args.events, args.reps, args.repeat, keep, which)


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


def build(
    plan: Plan,
    app: SalesApplication,
    store: PgViewStore,
    recorded: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """(a) and (b): the history recorded (unless ``recorded``: a kept one),
    the views caught up; the figures."""
    if recorded is None:
        now = datetime.now(UTC)
        show = progress_line("(a) record")
        started = time.perf_counter()
        head = History(app, plan.reps, now=now).record(plan.events, show)
        record_rate = head / (time.perf_counter() - started)
        recorded = {
            "now": now.isoformat(),
            "events": plan.events,
            "reps": plan.reps,
            "head": head,
            "record_rate": record_rate,
        }
    analyze(store_url())
    return recorded | {"rates": catch_up(app, store)}


def analyze(url: str) -> None:
    """The log's statistics gathered, as autovacuum soon would after a bulk
    write: without them a view's page of the log is planned as a scan of the
    whole rest of it (seconds a page at 1,000,000 events)."""
    with Admin(url) as admin, admin.conn.cursor() as cursor:
        for table in admin.tables(SCHEMA):
            cursor.execute(
                sql.SQL("ANALYZE {}.{}").format(
                    sql.Identifier(SCHEMA), sql.Identifier(table)
                )
            )


def store_url() -> str:
    return os.environ.get("SFA_BENCH_DATABASE_URL", DEFAULT_URL)


def main(argv: list[str] | None = None) -> int:
    from benchmarks.reports_reads import reads

    plan = parse_args(argv)
    url = store_url()
    fresh = {"all": [SCHEMA, VIEWS_SCHEMA], "build": [SCHEMA, VIEWS_SCHEMA]}
    fresh["views"] = [VIEWS_SCHEMA]
    with Admin(url) as admin:  # before the stores: they see the new schemas
        admin.recreate_schemas(fresh.get(plan.phase, []))
    env = {**Settings(database_url=url).persistence_env(), "SFA_DB_SCHEMA": SCHEMA}
    app = SalesApplication(env=env)
    datastore = PgDatastore(url, schema=VIEWS_SCHEMA, pool_size=4)
    store = PgViewStore(datastore, schema=VIEWS_SCHEMA)
    try:
        kept = json.loads(BUILD.read_text()) if plan.phase in KEPT else None
        built = kept if plan.phase == "reuse" else None
        if built is None:
            built = build(plan, app, store, kept)
            BUILD.write_text(json.dumps(built, indent=2))
        now = datetime.fromisoformat(built["now"])
        timings = []
        gc_tuning.tune()  # as sfa serve runs the routes
        if plan.phase in ("all", "reuse"):
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
    if not timings:
        sys.stdout.write(json.dumps(built, indent=2) + "\n")
        return 0
    summary = report(
        built["events"],
        built["reps"],
        built["head"],
        built["record_rate"],
        built["rates"],
        timings,
    )
    sys.stdout.write(summary["text"])
    (RESULTS / "bench_reports-latest.json").write_text(
        json.dumps(summary["json"], indent=2, default=str)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
