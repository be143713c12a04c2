"""The audit figures, each as a ratio to a baseline measured in the same run.

  (1) verify: recompute the ledger's hash chain over N events (default
      200,000; its own pages of 5,000 positions), beside the raw read of
      the same log (pages of 1,000, as bench_store);
      passes alternate, median of each. Target: verify >= 0.5 of raw.
  (2) state as of a version of one record with 1,000 events, p50/p99 over
      random versions, with snapshots (every 100 versions) and without; and
      as of a moment (which first finds the version by the events' times).
  (3) append cost of the hash chain: bench_store's figures (a) 1 event per
      save and (b) 10 events per save, our recorder with and without the
      chain, in rounds that take turns; and (c) 100 events per save, where
      commits bound it least. Target: the chain costs < 10 %.

    python -m benchmarks.bench_audit [--events N | --quick]

The database comes from SFA_BENCH_DATABASE_URL (default: local `test`);
schemas bench_audit_* are dropped before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any
from uuid import uuid4

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.audit_contenders import CHAIN_CONTENDERS
from benchmarks.bench_store import run_writes
from benchmarks.store_admin import Admin
from benchmarks.store_contenders import Database
from benchmarks.store_workload import BATCH_SIZE, make_batches
from commands.application import SalesApplication
from domain.contact import Contact
from infra import ledger
from infra.audit_log import state_at
from infra.pg_datastore import PgDatastore
from infra.pg_recorders import PgApplicationRecorder

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
LOG_SCHEMA, APP_SCHEMA = "bench_audit_log", "bench_audit_app"
PASSES = 3
SAVES = {"a": 1, "b": BATCH_SIZE, "c": 100}  # events per save
CASES = (
    "version, snapshots",
    "version, no snapshots",
    "as_of moment, snapshots",
    "as_of moment, no snapshots",
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def timed(fn: Callable[[], object]) -> float:
    start = perf_counter()
    fn()
    return perf_counter() - start


def verify_vs_read(db: Database, events: int) -> dict[str, Any]:
    datastore = PgDatastore(db.url, schema=LOG_SCHEMA)
    recorder = PgApplicationRecorder(datastore, events_table_name="stored_events")
    recorder.create_table()
    for n, batch in enumerate(make_batches(events, 100, 7), 1):
        recorder.insert_events(batch)
        if n % 100 == 0:
            print(f"\r(1) filling: {n * 100:,}/{events:,}", end="", file=sys.stderr)

    def read() -> None:
        after = 0
        while page := recorder.select_notifications(
            after, 1000, inclusive_of_start=False
        ):
            after = page[-1].id

    def check() -> None:
        verdict = ledger.verify(recorder)  # its own page size (5,000)
        assert verdict.intact and verdict.checked == events, verdict

    read_s, verify_s = [], []
    for n in range(PASSES):
        read_s.append(timed(read))
        verify_s.append(timed(check))
        print(f"\r(1) pass {n + 1}/{PASSES}", end="", file=sys.stderr)
    datastore.close()
    raw, rate = events / statistics.median(read_s), events / statistics.median(verify_s)
    return {
        "events": events,
        "raw_read_events_per_s": round(raw),
        "verify_events_per_s": round(rate),
        "ratio": round(rate / raw, 3),
        "samples_s": {"read": read_s, "verify": verify_s},
    }


def as_of_latency(db: Database, versions: int, samples: int) -> dict[str, Any]:
    env = {
        "PERSISTENCE_MODULE": "infra.postgres:Factory",
        "SFA_DATABASE_URL": db.url,
        "SFA_DB_SCHEMA": APP_SCHEMA,
    }
    snapshotting = SalesApplication(env={**env, "IS_SNAPSHOTTING_ENABLED": "y"})
    plain = SalesApplication(env=env)
    contact = Contact(id=uuid4(), given_name="A", family_name="B")
    while contact.version < versions:
        before = contact.version
        for _ in range(min(50, versions - contact.version)):
            contact.rename("A", f"B{contact.version}")
        snapshotting.save(contact)
        for version in range((before // 100 + 1) * 100, contact.version + 1, 100):
            snapshotting.take_snapshot(contact.id, version=version)
    rng = random.Random(5)
    picks = [rng.randint(1, versions) for _ in range(samples)]
    moments = [state_at(plain, contact.id, version=v).modified_on for v in picks[:50]]
    result: dict[str, Any] = {"versions": versions, "samples": samples}
    cases: dict[str, Callable[[int], object]] = {
        "version, snapshots": lambda i: state_at(
            snapshotting, contact.id, version=picks[i]
        ),
        "version, no snapshots": lambda i: state_at(
            plain, contact.id, version=picks[i]
        ),
        "as_of moment, snapshots": lambda i: state_at(
            snapshotting, contact.id, as_of=moments[i % len(moments)]
        ),
        "as_of moment, no snapshots": lambda i: state_at(
            plain, contact.id, as_of=moments[i % len(moments)]
        ),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for i in range(samples):  # the cases take turns, so load drift hits all
        for name, case in cases.items():
            start = perf_counter()
            case(i)
            timings[name].append(1000 * (perf_counter() - start))
    for name, ms in timings.items():
        result[name] = {
            "p50_ms": round(pct(ms, 0.5), 2),
            "p99_ms": round(pct(ms, 0.99), 2),
        }
    snapshotting.close()
    plain.close()
    return result


def append_cost(db: Database, admin: Admin, events: int) -> dict[str, Any]:
    """bench_store's write figures, each in fresh schemas; (c) is ours: big
    saves, where the chain's CPU cost shows most (not bounded by commits)."""
    result = {}
    for figure, size in SAVES.items():
        admin.recreate_schemas([f"bench_{c.key}" for c in CHAIN_CONTENDERS])
        warm = max(size, min(500, events // 10))
        work = (make_batches(warm, size, 3), make_batches(events, size, 1))
        outcomes = run_writes(CHAIN_CONTENDERS, (db, admin), "a", work)
        rates = {k: o.rate for k, o in outcomes.items()}
        chained, bare = rates["sfa_chain"], rates["sfa_nochain"]
        result[figure] = {
            "events_per_save": size,
            "chain_events_per_s": round(chained or 0),
            "no_chain_events_per_s": round(bare or 0),
            "ratio": round(chained / bare, 3) if chained and bare else None,
        }
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000, help="for (1)")
    parser.add_argument("--appends", type=int, default=20_000, help="for (3)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args(argv)
    events, appends, samples = args.events, args.appends, 200
    if args.quick:
        events, appends, samples = 20_000, 2_000, 50
    db = Database(os.environ.get("SFA_BENCH_DATABASE_URL", DEFAULT_URL))
    schemas = [LOG_SCHEMA, APP_SCHEMA] + [
        f"bench_{c.key}{s}" for c in CHAIN_CONTENDERS for s in ("", "_b")
    ]
    started = datetime.now(UTC)
    with Admin(db.url) as admin:
        admin.recreate_schemas(schemas)
        try:
            record = {
                "benchmark": "bench_audit",
                "started_utc": started.isoformat(timespec="seconds"),
                "verify": verify_vs_read(db, events),
                "as_of": as_of_latency(db, 1000, samples),
                "append": append_cost(db, admin, appends),
            }
        finally:
            admin.drop_schemas(schemas)
    print(file=sys.stderr)
    print(report(record))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, indent=2) + "\n"
    (RESULTS_DIR / f"bench_audit-{started:%Y%m%dT%H%M%SZ}.json").write_text(text)
    (RESULTS_DIR / "bench_audit-latest.json").write_text(text)
    return 0


def report(record: dict[str, Any]) -> str:
    v, a, p = record["verify"], record["as_of"], record["append"]
    lines = [
        f"(1) verify {v['verify_events_per_s']:,} ev/s vs raw read "
        f"{v['raw_read_events_per_s']:,} ev/s over {v['events']:,} events: "
        f"ratio {v['ratio']} (target >= 0.5)",
        f"(2) state as of, record of {a['versions']:,} events, {a['samples']} samples:",
    ]
    for name in CASES:
        lines.append(
            f"    {name}: p50 {a[name]['p50_ms']} ms, p99 {a[name]['p99_ms']} ms"
        )
    for figure, size in SAVES.items():
        f, label = p[figure], f"{size} event{'s' if size > 1 else ''}/save"
        lines.append(
            f"(3{figure}) append {label}: chain {f['chain_events_per_s']:,} ev/s, "
            f"no chain {f['no_chain_events_per_s']:,} ev/s, ratio {f['ratio']} "
            "(target >= 0.90)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
