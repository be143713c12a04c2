"""Projection engine speed on PostgreSQL: catch-up, rebuild and read-your-writes.

In one run, over one log of realistic events (benchmarks.projections_workload):
  (a) the raw read: the whole log, page by page through select_notifications,
      not decoded (median of several passes); and, for reference, read and
      decoded into domain events (the application's mapper), nothing applied;
  for each registered view (infra.projection_host.VIEWS), alone:
  (b) the library's plain ProjectionRunner keeping the same view (same tables,
      same handlers) one event per transaction (benchmarks.projections_library),
      over the first --baseline-events positions (default 30,000: at ~1,000
      events/s the whole log would not fit in the time budget);
  (c) our full rebuild from position 0: its catch-up into the shadow tables
      (also timed to where the library stopped: the like-for-like ratio),
      and the whole rebuild with the swap;
  (d) write-to-visible latency, p50 and p99, with commands through the command
      layer at a steady --rate per second and every view following in a thread
      of its own, as in `sfa serve` (benchmarks.projections_latency).
Rates are log positions covered per second. Targets (issue 4): a rebuild at
least 5x the library runner and at least 0.3 of the raw read.

    python -m benchmarks.bench_projections [--events N | --quick] [--keep]
        [--views NAME ...]  (default: every view; (d) follows the same ones)

The database comes from SFA_BENCH_DATABASE_URL (default: local `test`); the
run uses schemas bench_projections{,_views,_library_<view>}, dropped before
and after (--keep keeps them).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.utils import get_topic

from benchmarks.projections_latency import PositionedApplication, measure_latency
from benchmarks.projections_library import library_figure
from benchmarks.projections_report import Figure, report, write_json
from benchmarks.projections_timing import CpuUse, Split, retries, timed
from benchmarks.projections_workload import progress_line, record_log
from benchmarks.store_admin import Admin
from benchmarks.store_report import machine_info
from infra.pg_datastore import PgDatastore
from infra.projection_host import VIEWS, ProjectionHost
from infra.settings import Settings
from infra.view_store import PgViewStore
from projections.view import View

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_projections"
VIEWS_SCHEMA = f"{SCHEMA}_views"
PAGE = 1000  # the runner's batch size, and the raw read's page
READ_PASSES = 3
POOL = 16  # view store connections: a runner and the latency waiters per view


@dataclass(frozen=True)
class Plan:
    events: int
    baseline_events: int
    rate: float
    seconds: float
    keep: bool
    views: tuple[str, ...] = ()


def parse_args(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000, help="log size")
    parser.add_argument(
        "--baseline-events",
        type=int,
        default=30_000,
        help="first positions the library runner covers, per view (it is slow)",
    )
    parser.add_argument("--rate", type=float, default=200.0, help="commands/s")
    parser.add_argument("--seconds", type=float, default=20.0, help="of (d)")
    parser.add_argument("--quick", action="store_true", help="smoke run, 5,000")
    parser.add_argument("--keep", action="store_true", help="keep the schemas")
    parser.add_argument(
        "--views", nargs="+", default=[v.name for v in VIEWS], help="view names"
    )
    args = parser.parse_args(argv)
    unknown = set(args.views) - {v.name for v in VIEWS}
    if unknown:
        parser.error(f"no such view: {', '.join(sorted(unknown))}")
    events = 5_000 if args.quick else args.events
    baseline = min(2_000 if args.quick else args.baseline_events, events)
    seconds = 3.0 if args.quick else args.seconds
    return Plan(events, baseline, args.rate, seconds, args.keep, tuple(args.views))


def chosen(plan: Plan) -> tuple[type[View], ...]:
    return tuple(v for v in VIEWS if v.name in plan.views)


def raw_read(app: PositionedApplication, head: int, *, decode: bool = False) -> int:
    """Reads the log up to ``head`` page by page; returns the rows read."""
    recorder, mapper, position, rows = app.recorder, app.mapper, 0, 0
    while position < head:
        page = recorder.select_notifications(
            start=position, limit=PAGE, stop=head, inclusive_of_start=False
        )
        if decode:
            for notification in page:
                mapper.to_domain_event(notification)
        rows += len(page)
        position = page[-1].id
    return rows


def read_figures(app: PositionedApplication, head: int) -> list[Figure]:
    passes = []
    for n in range(READ_PASSES):
        with CpuUse() as cpu:
            rows, seconds = timed(f"(a) raw read {n + 1}", lambda: raw_read(app, head))
        passes.append((seconds, cpu))
    seconds, cpu = sorted(passes, key=lambda p: p[0])[len(passes) // 2]  # median
    label = "(a) raw read of the log (select_notifications)"
    raw = Figure(
        "raw", label, rows, seconds, process_cpu=cpu.process, machine_cpu=cpu.machine
    )
    label = "    read + decode (mapper.to_domain_event)"
    with CpuUse() as cpu:
        _, seconds = timed(label.strip(), lambda: raw_read(app, head, decode=True))
    return [
        raw,
        Figure(
            "decode",
            label,
            rows,
            seconds,
            process_cpu=cpu.process,
            machine_cpu=cpu.machine,
        ),
    ]


def last_handled(view: type[View], admin: Admin, until: int) -> int:
    """The last position up to ``until`` of an event the view handles: where
    the library runner's tracking stops."""
    rows = admin._execute(
        f"SELECT max(notification_id) FROM {SCHEMA}.sfa_events"
        " WHERE notification_id <= %s AND topic = ANY(%s)",
        (until, sorted(get_topic(c) for c in view._handlers)),
    )
    return int(rows[0][0] or 0)


def view_figures(
    view: type[View],
    app: PositionedApplication,
    store: PgViewStore,
    library: Figure,
) -> list[Figure]:
    """A rebuild from 0, alone: its catch-up (until the swap), its time to
    where the library stopped, and the whole rebuild with the swap."""
    head, name = app.recorder.max_notification_id() or 0, view.name
    split = Split(f"(c) {name} rebuild", library.events)

    def rebuild() -> int:
        return ProjectionHost(app, store, views=(view,)).rebuild(name, split)

    with CpuUse() as cpu:
        _, rebuilt = timed(f"(c) {name} rebuild", rebuild)
    (prefix, to_prefix), (_, caught_up) = split.reached, split.finished
    label = f"(c) {name} rebuild, its first {prefix:,} positions"
    return [
        library,
        Figure(f"{name}.rebuild_prefix", label, prefix, to_prefix),
        Figure(f"{name}.catch_up", f"(c) {name} catch-up from 0", head, caught_up),
        Figure(
            f"{name}.rebuild",
            f"(c) {name} rebuild (+ swap)",
            head,
            rebuilt,
            process_cpu=cpu.process,
            machine_cpu=cpu.machine,
        ),
    ]


def run(plan: Plan, url: str, admin: Admin) -> dict[str, Any]:
    env = {**Settings(database_url=url).persistence_env(), "SFA_DB_SCHEMA": SCHEMA}
    app = PositionedApplication(env=env)
    datastore = PgDatastore(url, schema=VIEWS_SCHEMA, pool_size=POOL)
    store = PgViewStore(datastore, schema=VIEWS_SCHEMA)
    try:
        head = record_log(app, plan.events, progress=progress_line("log"))
        figures = read_figures(app, head)
        views = chosen(plan)
        for view in views:
            until = last_handled(view, admin, plan.baseline_events)
            library = library_figure(view, env, until, schema=library_schema(view))
            figures += view_figures(view, app, store, library)
        latency = measure_latency(
            app,
            ProjectionHost(app, store, poll_interval=1.0, views=views),
            [view.name for view in views],
            rate=plan.rate,
            seconds=plan.seconds,
            progress=progress_line(f"(d) commands at {plan.rate:.0f}/s"),
        )
    finally:
        store.close()
        app.close()
    return {"head": head, "figures": figures, "latency": latency, "retries": retries}


def library_schema(view: type[View]) -> str:
    return f"{SCHEMA}_library_{view.name}"


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    url = os.environ.get("SFA_BENCH_DATABASE_URL", DEFAULT_URL)
    schemas = [SCHEMA, VIEWS_SCHEMA, *(library_schema(v) for v in VIEWS)]
    started = datetime.now(UTC)
    with Admin(url) as admin:
        server = admin.server_info()
        admin.drop_schemas(schemas)
        try:
            outcome = run(plan, url, admin)
        finally:
            if not plan.keep:
                admin.drop_schemas(schemas)
    names = [v.name for v in chosen(plan)]
    text, record = report(outcome, names, plan.__dict__)
    print(text)
    record |= {"started_utc": started.isoformat(timespec="seconds")}
    record["machine"] = machine_info(server)
    path = write_json(record, started)
    print(f"results in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
