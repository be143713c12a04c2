"""Event-store throughput, side by side on one PostgreSQL database.

Figures, each over the same pre-built events for every contender:
  (a) one new aggregate per save, one event each (N saves);
  (b) one new aggregate per save, ten events each (N/10 saves);
  (c) the notification log written by (a), read page by page until exhausted
      (it holds the N timed events plus the untimed warm-up saves of (a));
      median of several passes.
The contenders take turns: (a) and (b) are timed in rounds, (c) in passes,
round n of every contender before round n+1 of any, so that drift in the
shared machine's load falls on all of them alike.
Contenders: our psycopg2 recorder (infra.postgres), eventsourcing.postgres
(psycopg3, with and without database functions), eventsourcing-sqlalchemy
(psycopg2) and plain psycopg2 as the ceiling. Each writes into its own
schemas (bench_<key>, bench_<key>_b), dropped before and after the run.

    python -m benchmarks.bench_store [--events N | --quick] [--contenders ...]

The database comes from SFA_BENCH_DATABASE_URL (default: local `test`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.persistence import StoredEvent

from benchmarks.store_admin import Admin
from benchmarks.store_contenders import CONTENDERS, Contender, Database, Store
from benchmarks.store_report import (
    Figure,
    Outcome,
    figure_record,
    machine_info,
    render_table,
    write_json,
)
from benchmarks.store_workload import (
    BATCH_SIZE,
    CHANGED_TOPIC,
    REGISTERED_TOPIC,
    Measurement,
    make_batches,
    time_reads,
    time_writes,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
QUICK_EVENTS = 2_000
WARMUP_PAGES = 3
WRITE_ROUNDS = 10  # each write figure is timed in rounds that take turns
READ_PASSES = 7  # one pass of (c) takes well under a second: report the median

logger = logging.getLogger("bench_store")

Batches = list[list[StoredEvent]]


@dataclass(frozen=True)
class Plan:
    events: int
    page_size: int
    warmup_events: int
    contenders: tuple[Contender, ...]


def parse_args(argv: Sequence[str] | None) -> Plan:
    keys = [c.key for c in CONTENDERS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--events", type=int, default=50_000, help="per figure")
    size.add_argument("--quick", action="store_true", help="smoke run, 2,000")
    parser.add_argument("--page-size", type=int, default=1000, help="for (c)")
    parser.add_argument(
        "--contenders", default=",".join(keys), help=f"subset of {','.join(keys)}"
    )
    args = parser.parse_args(argv)
    events = QUICK_EVENTS if args.quick else args.events
    chosen = set(args.contenders.split(","))
    if unknown := chosen - set(keys):
        parser.error(f"unknown contenders: {', '.join(sorted(unknown))}")
    if events < 10 * BATCH_SIZE or args.page_size < 1:
        parser.error("--events must be >= 100 and --page-size >= 1")
    warmup = max(BATCH_SIZE, min(500, events // 10))
    selected = tuple(c for c in CONTENDERS if c.key in chosen)
    return Plan(events, args.page_size, warmup, selected)


def schema_for(contender: Contender, figure: str) -> str:
    """(a) and (c) share a schema; (b) writes into an empty one of its own."""
    return f"bench_{contender.key}" + ("_b" if figure == "b" else "")


def failed(kind: str, label: str, exc: BaseException) -> Outcome:
    logger.warning("%s: %s: %s: %s", label, kind, type(exc).__name__, exc)
    return Outcome(f"{kind} ({type(exc).__name__}: {exc})".replace("\n", " "))


def run_writes(
    contenders: Sequence[Contender],
    env: tuple[Database, Admin],
    figure: str,
    work: tuple[Batches, Batches],
) -> dict[str, Outcome]:
    """Warms each contender up with untimed saves, then times the saves in
    rounds that take turns: round n of every contender runs before round n+1
    of any, so drift in the shared machine's load falls on all of them alike.

    The warm-up events stay in the table (sfa's table refuses TRUNCATE and
    DELETE), so the log of (a) holds warm-up plus timed events.
    """
    (db, admin), (warmup, batches) = env, work
    stores: dict[str, Store] = {}
    outcomes: dict[str, Outcome] = {}
    for contender in contenders:
        label = f"({figure}) {contender.name}"
        try:
            store = contender.open(db, schema_for(contender, figure))
            for batch in warmup:
                store.insert(batch)
            stores[contender.key] = store
        except Exception as exc:
            outcomes[contender.key] = failed("unavailable", label, exc)
    rounds = [batches[n::WRITE_ROUNDS] for n in range(WRITE_ROUNDS)]
    timed: dict[str, list[Measurement]] = {key: [] for key in stores}
    try:
        for n, chunk in enumerate(rounds, start=1):
            for contender in contenders:
                key = contender.key
                if key not in stores or key in outcomes:
                    continue
                label = f"({figure}) {contender.name} [{n}/{WRITE_ROUNDS}]"
                try:
                    timed[key].append(time_writes(stores[key].insert, chunk, label))
                except Exception as exc:
                    outcomes[key] = failed("error", label, exc)
    finally:
        for store in stores.values():
            store.close()
    warm = sum(len(batch) for batch in warmup)
    for key, parts in timed.items():
        if key in outcomes:
            continue
        total = Measurement(sum(m.events for m in parts), sum(m.seconds for m in parts))
        schema = schema_for(next(c for c in contenders if c.key == key), figure)
        outcomes[key] = checked(
            total, admin.count_rows(schema), total.events + warm, "rows stored"
        )
    return outcomes


def checked(measurement: Measurement, found: int, expected: int, what: str) -> Outcome:
    if found != expected:
        return Outcome(f"error ({what}: {found}, expected {expected})", measurement)
    return Outcome("ok", measurement)


def run_reads(
    contenders: Sequence[Contender], env: tuple[Database, Admin], page: int
) -> dict[str, Outcome]:
    """Times whole reads of each contender's log of (a), taking turns: pass n
    of every contender runs before pass n+1 of any, so drift in the shared
    machine's load falls on all of them alike. Reports the median pass."""
    (db, admin) = env
    stores: dict[str, tuple[Store, int]] = {}
    outcomes: dict[str, Outcome] = {}
    passes: dict[str, list[Measurement]] = {}
    try:
        for contender in contenders:
            label = f"(c) {contender.name}"
            try:
                store = contender.open(db, schema_for(contender, "a"))
                warm_up_reads(store, page)
            except Exception as exc:
                outcomes[contender.key] = failed("unavailable", label, exc)
                continue
            stores[contender.key] = (
                store,
                admin.count_rows(schema_for(contender, "a")),
            )
            passes[contender.key] = []
        for n in range(1, READ_PASSES + 1):
            for contender in contenders:
                if contender.key not in stores or contender.key in outcomes:
                    continue
                store, expected = stores[contender.key]
                label = f"(c) {contender.name} [{n}/{READ_PASSES}]"
                try:
                    passes[contender.key].append(
                        time_reads(store.page, page, expected, label)
                    )
                except Exception as exc:
                    outcomes[contender.key] = failed("error", label, exc)
    finally:
        for store, _ in stores.values():
            store.close()
    for key, measured in passes.items():
        if key in outcomes:
            continue
        median = sorted(measured, key=lambda m: m.seconds)[len(measured) // 2]
        expected = stores[key][1]
        outcome = checked(
            median, min(m.events for m in measured), expected, "events read"
        )
        outcomes[key] = replace(outcome, samples=tuple(measured))
    return outcomes


def warm_up_reads(store: Store, page_size: int) -> None:
    after = 0
    for _ in range(WARMUP_PAGES):
        _, after = store.page(after, page_size)


def run_figures(plan: Plan, db: Database, admin: Admin) -> list[Figure]:
    singles = (make_batches(plan.warmup_events, 1, 3), make_batches(plan.events, 1, 1))
    tens = (
        make_batches(plan.warmup_events, BATCH_SIZE, 4),
        make_batches(plan.events, BATCH_SIZE, 2),
    )
    env = (db, admin)
    a = run_writes(plan.contenders, env, "a", singles)
    b = run_writes(plan.contenders, env, "b", tens)
    readable = [c for c in plan.contenders if a[c.key].status == "ok"]
    c = run_reads(readable, env, plan.page_size)
    c.update({k: Outcome("skipped (no log from (a))") for k in a if k not in c})
    return [
        Figure("a", f"(a) new aggregate, 1 event/save: {plan.events:,} saves", a),
        Figure("b", f"(b) new aggregate, 10 events/save: {len(tens[1]):,} saves", b),
        Figure("c", f"(c) read the log of (a), {plan.page_size:,} per page", c),
    ]


def parameters(plan: Plan, db: Database) -> dict[str, Any]:
    sample = make_batches(1_000, 1, 1)
    payload = sum(len(batch[0].state) for batch in sample) / len(sample)
    connection = db.postgres_env()
    connection.pop("POSTGRES_PASSWORD")
    return {
        "events_per_figure": plan.events,
        "events_per_save": {"a": 1, "b": BATCH_SIZE},
        "page_size": plan.page_size,
        "warmup_events": plan.warmup_events,
        "warmup_pages": WARMUP_PAGES,
        "read_passes": READ_PASSES,
        "payload_bytes_mean": round(payload, 1),
        "topics": [REGISTERED_TOPIC, CHANGED_TOPIC],
        "database": connection,
        "contenders": {c.key: c.name for c in plan.contenders},
    }


def run(plan: Plan, db: Database) -> dict[str, Any]:
    started, clock = datetime.now(UTC), perf_counter()
    schemas = [schema_for(c, f) for c in plan.contenders for f in ("a", "b")]
    with Admin(db.url) as admin:
        server = admin.server_info()
        admin.recreate_schemas(schemas)
        try:
            figures = run_figures(plan, db, admin)
        finally:
            admin.drop_schemas(schemas)
    return {
        "benchmark": "bench_store",
        "started_utc": started.isoformat(timespec="seconds"),
        "elapsed_s": round(perf_counter() - clock, 1),
        "machine": machine_info(server),
        "parameters": parameters(plan, db),
        "figures": {f.key: figure_record(f, plan.contenders) for f in figures},
        "table": render_table(figures, plan.contenders),
    }


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    plan = parse_args(argv)
    db = Database(os.environ.get("SFA_BENCH_DATABASE_URL", DEFAULT_URL))
    record = run(plan, db)
    machine = record["machine"]
    print(
        f"bench_store: {plan.events:,} events per figure; "
        f"PostgreSQL {machine['postgresql']['server_version']}; "
        f"nproc {machine['nproc']}; Python {machine['python']}\n"
    )
    print(record["table"])
    started = datetime.fromisoformat(record["started_utc"])
    path = write_json(record, RESULTS_DIR, started)
    print(f"total run time {record['elapsed_s']:.1f} s; results in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
