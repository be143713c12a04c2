"""Command throughput on PostgreSQL: through the command layer and over HTTP.

In one run, on one database, beside their baselines:
  (1) the bare recorder: one new aggregate, one event per save (bench_store's
      figure (a), our recorder), single thread;
  (2) the command layer (no HTTP), the issue's mix, single thread, and with
      16 threads (commands arriving together share a commit);
  (3) a trivial route (GET /livez) with 16 concurrent HTTP clients: the ceiling;
  (4) the same mix over HTTP with 16 concurrent clients, p50/p99 latency;
  (3') and (4') again on a server started with ``--no-views``: the write API
      alone, without the views that ``sfa serve`` follows the log with (each
      write wakes every view in the server's process).
For (3) and (4) the server's CPU time per request is reported too (Linux):
on a machine shared with other work it bounds the ratio more steadily than
the request rates do.

    python -m benchmarks.bench_commands [--commands N] [--requests N] [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.persistence import StoredEvent

from benchmarks.commands_http import (
    HttpWorker,
    livez,
    serve_load,
    start_server,
)
from benchmarks.commands_mix import Fixture, Worker
from benchmarks.results import save
from benchmarks.store_admin import Admin
from benchmarks.store_report import machine_info
from commands.application import SalesApplication
from commands.pipelines import ensure_default_pipeline
from infra.pg_datastore import PgDatastore
from infra.pg_recorders import PgApplicationRecorder
from infra.settings import Settings

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_commands"
CLIENTS = 16


def progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    end = "\n" if done == total else ""
    print(f"\r{label}: {done:,}/{total:,} ({rate:,.0f}/s)", end=end, file=sys.stderr)


def bare_recorder(url: str, count: int) -> float:
    datastore = PgDatastore(url, schema=f"{SCHEMA}_raw")
    recorder = PgApplicationRecorder(datastore, events_table_name="events")
    recorder.create_table()
    state = b'{"given_name": "Grace", "family_name": "Hopper", "emails": []}' * 4
    started = time.perf_counter()
    for n in range(1, count + 1):
        recorder.insert_events([StoredEvent(uuid4(), 1, "bench:Event", state)])
        if n % 500 == 0 or n == count:
            progress("(1) bare recorder", n, count, started)
    seconds = time.perf_counter() - started
    datastore.close()
    return count / seconds


def command_layer(app: SalesApplication, count: int, threads: int) -> float:
    fixture = Fixture(app)
    workers = [Worker(fixture, seed) for seed in range(threads)]
    per_worker = count // threads
    label = f"(2) command layer, {threads} thread{'s' * (threads > 1)}"
    started = time.perf_counter()

    def drive(worker: Worker) -> None:
        for n in range(1, per_worker + 1):
            worker.step()
            if worker is workers[0] and (n % 250 == 0 or n == per_worker):
                progress(label, n * threads, per_worker * threads, started)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(drive, workers))
    return per_worker * threads / (time.perf_counter() - started)


def with_cpu(run: Callable[[], float], count: int) -> tuple[float, float]:
    """``run``'s rate, and this process's CPU milliseconds per operation."""
    before = time.process_time()
    rate = run()
    return rate, round((time.process_time() - before) * 1000 / count, 3)


def http_figures(app: SalesApplication, url: str, requests: int) -> dict[str, Any]:
    """(3) and (4) on ``sfa serve``; (3') and (4') on ``sfa serve --no-views``."""
    fixture = Fixture(app)
    workers = [HttpWorker(Worker(fixture, 1000 + n)) for n in range(CLIENTS)]
    port = 18000 + os.getpid() % 1000
    figures: dict[str, Any] = {}
    per_client = requests // CLIENTS
    steps = [w.step for w in workers]
    with tempfile.TemporaryDirectory() as tmp:
        for mark, flags in (("", ()), ("'", ("--no-views",))):
            settings = {"SFA_DATABASE_URL": url, "SFA_DB_SCHEMA": SCHEMA}
            server = start_server(settings, port, Path(tmp) / "server.log", *flags)
            try:
                print(f"(3{mark}) trivial route ...", file=sys.stderr)
                figures[f"ceiling{mark}"] = serve_load(
                    server.pid, port, [livez] * CLIENTS, per_client
                )
                print(f"(4{mark}) command mix over HTTP ...", file=sys.stderr)
                figures[f"mix{mark}"] = serve_load(server.pid, port, steps, per_client)
            finally:
                server.terminate()
                server.wait(timeout=10)
    return figures


def table(figures: dict[str, Any]) -> str:
    bare, one, many = figures["bare_saves_per_s"], figures["cmd_1"], figures["cmd_16"]
    http = figures["http"]
    rows = [
        f"{'figure':<46}{'per s':>10}{'ratio':>8}{'p50 ms':>9}{'p99 ms':>9}",
        f"{'(1) bare recorder, 1 event/save':<46}{bare:>10,.0f}{1:>8.2f}",
        f"{'(2) command layer, mix, 1 thread':<46}{one:>10,.0f}{one / bare:>8.2f}",
        f"{'(2) command layer, mix, 16 threads':<46}{many:>10,.0f}{many / bare:>8.2f}",
    ]
    cpu = []
    for mark in ("", "'"):
        ceiling, mix = http[f"ceiling{mark}"], http[f"mix{mark}"]
        for label, load in (
            (f"(3{mark}) HTTP trivial route (ceiling)", ceiling),
            (f"(4{mark}) HTTP mix", mix),
        ):
            rate = load["requests_per_s"]
            rows.append(
                f"{label + ', 16 clients':<46}{rate:>10,.0f}"
                f"{rate / ceiling['requests_per_s']:>8.2f}"
                f"{load['p50_ms']:>9.1f}{load['p99_ms']:>9.1f}"
            )
        if "server_cpu_ms" in ceiling and "server_cpu_ms" in mix:
            trivial, command = ceiling["server_cpu_ms"], mix["server_cpu_ms"]
            cpu.append(
                f"server CPU per request: (3{mark}) {trivial:.2f} ms,"
                f" (4{mark}) {command:.2f} ms; (4{mark}) could reach"
                f" {trivial / command:.2f} of (3{mark}) on a server CPU alone"
            )
    rows.append("ratios: (2) against (1); (4) against (3), (4') against (3')")
    if "client_cpu_ms" in figures:
        cpu_of = figures["client_cpu_ms"]
        cpu.insert(
            0,
            f"client CPU: (1) {cpu_of['bare_save']:.2f} ms per save,"
            f" (2) 1 thread {cpu_of['command_1']:.2f} ms per command",
        )
    rows.append("(3') and (4'): sfa serve --no-views (the write API alone)")
    return "\n".join(rows + cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=8000)
    parser.add_argument("--requests", type=int, default=8000, help="per HTTP figure")
    parser.add_argument("--quick", action="store_true", help="smoke run")
    args = parser.parse_args(argv)
    commands = 800 if args.quick else args.commands
    requests = 800 if args.quick else args.requests
    url = os.environ.get("SFA_BENCH_DATABASE_URL", DEFAULT_URL)
    schemas = [SCHEMA, f"{SCHEMA}_raw"]
    started = datetime.now(UTC)
    with Admin(url) as admin:
        server_info = admin.server_info()
        admin.recreate_schemas(schemas)
        try:
            env = {
                **Settings(database_url=url).persistence_env(),
                "SFA_DB_SCHEMA": SCHEMA,
            }
            app = SalesApplication(env=env)
            ensure_default_pipeline(app)
            bare, bare_cpu = with_cpu(lambda: bare_recorder(url, commands), commands)
            one, one_cpu = with_cpu(lambda: command_layer(app, commands, 1), commands)
            figures: dict[str, Any] = {
                "bare_saves_per_s": bare,
                "cmd_1": one,
                "cmd_16": command_layer(app, commands, CLIENTS),
                "http": http_figures(app, url, requests),
                "client_cpu_ms": {"bare_save": bare_cpu, "command_1": one_cpu},
            }
            app.close()
        finally:
            admin.drop_schemas(schemas)
    text = table(figures)
    print(
        f"bench_commands: {commands:,} commands, {requests:,} requests per HTTP figure"
    )
    print(text)
    record = {
        "benchmark": "bench_commands",
        "started_utc": started.isoformat(timespec="seconds"),
        "machine": machine_info(server_info),
        "parameters": {"commands": commands, "requests": requests, "clients": CLIENTS},
        "figures": figures,
        "table": text,
    }
    path = save("bench_commands", record, started)
    print(f"results in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
