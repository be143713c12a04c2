"""What sealing personal data costs, beside the same work without it.

In one run, contenders taking turns (round n of each before round n+1):
  (a) the mapper alone: encode + decode of a contact's ``Registered`` (names,
      email, phone, title) with a warm key cache, microseconds per event;
  (b) bench_commands' command mix on PostgreSQL (register contact 20 %: a
      new subject, so a key is made; plan, complete, advance: nothing
      personal), 1 and 16 threads, commands/s;
  (c) reading and decoding the log those commands wrote, events/s.
"Plain" is the library's mapper (``MAPPER_TOPIC``), which seals nothing.

    python -m benchmarks.bench_personal_data [--commands N] [--rounds N] [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any
from uuid import uuid4

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_commands import DEFAULT_URL, command_layer
from benchmarks.store_admin import Admin
from commands.application import SalesApplication
from commands.pipelines import ensure_default_pipeline
from domain.contact import Contact
from infra.settings import Settings

SCHEMA = "bench_personal"
PLAIN = {"MAPPER_TOPIC": "eventsourcing.persistence:Mapper"}


def mapper_micros(app: SalesApplication, count: int) -> float:
    contact = Contact(
        id=uuid4(),
        given_name="Grace",
        family_name="Hopper",
        emails=("grace@navy.example",),
        phones=("+14155550100",),
        title="Rear Admiral",
    )
    event = contact.collect_events()[0]
    mapper = app.mapper
    mapper.to_domain_event(mapper.to_stored_event(event))  # the key is cached
    started = time.perf_counter()
    for _ in range(count):
        mapper.to_domain_event(mapper.to_stored_event(event))
    return (time.perf_counter() - started) / count * 1e6


def read_rate(app: SalesApplication) -> float:
    started, done, position = time.perf_counter(), 0, 0
    while True:
        page = app.recorder.select_notifications(position + 1, 1000)
        if not page:
            break
        for notification in page:
            app.mapper.to_domain_event(notification)
        done += len(page)
        position = page[-1].id
    return done / (time.perf_counter() - started)


def one_round(url: str, extra: dict[str, str], commands: int) -> dict[str, float]:
    with Admin(url) as admin:
        admin.recreate_schemas([SCHEMA])
        env = {**Settings(database_url=url).persistence_env(), "SFA_DB_SCHEMA": SCHEMA}
        app = SalesApplication(env={**env, **extra})
        try:
            ensure_default_pipeline(app)
            with tempfile.TemporaryDirectory() as folder:
                figures = {"mapper_us": mapper_micros(local(folder, extra), 20_000)}
            figures["cmd_1"] = command_layer(app, commands, 1)
            figures["cmd_16"] = command_layer(app, commands, 16)
            figures["read"] = read_rate(app)
        finally:
            app.close()
            admin.drop_schemas([SCHEMA])
    return figures


def local(folder: str, extra: dict[str, str]) -> SalesApplication:
    env = {"PERSISTENCE_MODULE": "infra.sqlite:Factory"}
    return SalesApplication(env={**env, "SQLITE_DBNAME": f"{folder}/m.db", **extra})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smoke run")
    args = parser.parse_args(argv)
    commands, rounds = (400, 1) if args.quick else (args.commands, args.rounds)
    url = os.environ.get("SFA_BENCH_DATABASE_URL", DEFAULT_URL)
    runs: dict[str, list[dict[str, float]]] = {"sealed": [], "plain": []}
    for _ in range(rounds):
        runs["sealed"].append(one_round(url, {}, commands))
        runs["plain"].append(one_round(url, PLAIN, commands))
    print(table(runs, commands, rounds))
    return 0


def table(runs: dict[str, list[dict[str, float]]], commands: int, rounds: int) -> str:
    def mid(kind: str, figure: str) -> Any:
        return median(r[figure] for r in runs[kind])

    rows = [
        f"bench_personal_data: {commands:,} commands per figure, median of {rounds}",
        "| figure | sealed | plain | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    names = {
        "mapper_us": "(a) mapper encode + decode, µs/event (lower is better)",
        "cmd_1": "(b) command mix, 1 thread, commands/s",
        "cmd_16": "(b) command mix, 16 threads, commands/s",
        "read": "(c) read + decode the log, events/s",
    }
    for figure, label in names.items():
        sealed, plain = mid("sealed", figure), mid("plain", figure)
        rows.append(
            f"| {label} | {sealed:,.1f} | {plain:,.1f} | {sealed / plain:.2f} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
