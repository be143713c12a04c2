"""``sfa serve`` under concurrent writes, with and without its views.

Issue 3's command mix over HTTP (benchmarks.commands_http), 16 clients, on
a fresh store (by default a SQLite file, the embedded default; with
``--postgres URL`` a database made for the run on that server and dropped
after), in one run:
  (a) the trivial route (GET /livez): the ceiling;
  (b) the mix on ``sfa serve --no-views``: the write API alone;
  (c) the mix on ``sfa serve``: with the sixteen views following the log in
      the server's process, as ``make run`` serves (they are caught up on
      the fixture's events before the load starts).
Each with the server's CPU milliseconds per request. On SQLite the views
and the event store share the file, and SQLite lets one writer in at a time.

    python -m benchmarks.bench_serve [--requests N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import psycopg2

from benchmarks.commands_http import (
    HEADERS,
    HttpWorker,
    livez,
    serve_load,
    start_server,
)
from benchmarks.commands_mix import Fixture, Worker
from benchmarks.results import save
from benchmarks.store_report import machine_info
from commands.application import SalesApplication
from commands.pipelines import ensure_default_pipeline
from infra.settings import Settings

CLIENTS = 16


@contextmanager
def store(postgres: str | None) -> Iterator[dict[str, str]]:
    """The settings of a fresh store, removed after."""
    if postgres is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield {"SFA_SQLITE_PATH": str(Path(tmp) / "sfa.db")}
        return
    name = f"sfa_bench_serve_{os.getpid()}"
    admin = psycopg2.connect(postgres)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield {"SFA_DATABASE_URL": urlsplit(postgres)._replace(path=name).geturl()}
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


def caught_up(port: int) -> None:
    """Waits until every view has applied the log (progress on stderr)."""
    url = f"http://127.0.0.1:{port}/projections"
    while True:
        views = httpx.get(url, headers=HEADERS, timeout=10).json()
        lag = sum(view["lag_events"] for view in views)
        print(f"\rviews catching up: {lag:,} events behind ", end="", file=sys.stderr)
        if lag == 0:
            print(file=sys.stderr)
            return
        time.sleep(0.5)


def run(requests: int, postgres: str | None) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    per_client = requests // CLIENTS
    port = 19000 + os.getpid() % 1000
    with store(postgres) as settings, tempfile.TemporaryDirectory() as tmp:
        app = SalesApplication(env=Settings.from_env(settings).persistence_env())
        ensure_default_pipeline(app)
        fixture = Fixture(app)
        steps = [HttpWorker(Worker(fixture, n)).step for n in range(CLIENTS)]
        app.close()
        for key, flags in (("no_views", ("--no-views",)), ("views", ())):
            server = start_server(settings, port, Path(tmp) / f"{key}.log", *flags)
            try:
                if key == "no_views":
                    print("(a) trivial route ...", file=sys.stderr)
                    figures["trivial"] = serve_load(
                        server.pid, port, [livez] * CLIENTS, per_client
                    )
                else:
                    caught_up(port)
                print(f"({'b' if flags else 'c'}) the mix ...", file=sys.stderr)
                figures[key] = serve_load(server.pid, port, steps, per_client)
            finally:
                server.terminate()
                server.wait(timeout=30)
    return figures


def table(figures: dict[str, Any]) -> str:
    ceiling = figures["trivial"]["requests_per_s"]
    rows = [
        f"{'figure, 16 clients':<40}{'per s':>8}{'ratio':>8}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'CPU ms':>8}"
    ]
    for label, key in (
        ("(a) trivial route (ceiling)", "trivial"),
        ("(b) mix, sfa serve --no-views", "no_views"),
        ("(c) mix, sfa serve (16 views)", "views"),
    ):
        f = figures[key]
        rows.append(
            f"{label:<40}{f['requests_per_s']:>8,.0f}"
            f"{f['requests_per_s'] / ceiling:>8.2f}{f['p50_ms']:>9.1f}"
            f"{f['p99_ms']:>9.1f}{f.get('server_cpu_ms', float('nan')):>8.2f}"
        )
    views, alone = figures["views"], figures["no_views"]
    rows.append(
        f"(c) against (b): {views['requests_per_s'] / alone['requests_per_s']:.2f}"
        "; CPU ms: the server's per request; failures:"
        f" {sum(figures[k]['failures'] for k in figures)}"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1600, help="per figure")
    parser.add_argument(
        "--postgres", metavar="URL", help="a PostgreSQL server (default: SQLite)"
    )
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    figures = run(args.requests, args.postgres)
    text = table(figures)
    kind = "PostgreSQL" if args.postgres else "SQLite"
    print(f"bench_serve: {args.requests:,} requests per figure, {kind}")
    print(text)
    record = {
        "benchmark": "bench_serve",
        "started_utc": started.isoformat(timespec="seconds"),
        "machine": machine_info({}),
        "parameters": {"requests": args.requests, "clients": CLIENTS, "store": kind},
        "figures": figures,
        "table": text,
    }
    path = save("bench_serve", record, started)
    print(f"results in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
