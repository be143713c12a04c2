"""What the outreach guard costs a command, on PostgreSQL, in one run:

  (a) baseline: planning an internal task (no customer: no ledger);
  (b) planning a call with a customer whose ledger holds N live activities
      (N = 0, 10, 100, 400): the guard reads one ledger event and writes one;
  (c) 16 threads planning for 16 different customers, and 16 threads planning
      for one customer (each a different purpose and the same rep, so none
      collide: every save after the first conflicts and is decided again).

    python -m benchmarks.bench_outreach [--commands N] [--quick]

Figures: commands per second and p50/p99 latency; ratios against (a).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.store_admin import Admin
from commands import activities as cmd
from commands.accounts import OpenAccount, open_account
from commands.application import SalesApplication
from commands.base import Caller, Conflict, Context, execute
from commands.reps import RegisterRep, register_rep
from infra.settings import Settings

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_outreach"
ADMIN = Context(Caller("bench", frozenset({"admin"})))
THREADS = 16
SOON = datetime.now(UTC) + timedelta(days=1)


def timed(runs: int, step: Callable[[int], None]) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for n in range(runs):
        t = time.perf_counter()
        step(n)
        latencies.append(time.perf_counter() - t)
    return runs / (time.perf_counter() - started), latencies


class Bench:
    def __init__(self, app: SalesApplication) -> None:
        self.app = app
        rep = RegisterRep(name="Bench", email="bench-outreach@example.com")
        self.rep = UUID(str(execute(register_rep, app, rep, ADMIN).aggregate.id))

    def account(self) -> UUID:
        opened = execute(open_account, self.app, OpenAccount(name="Co"), ADMIN)
        return UUID(str(opened.aggregate.id))

    def plan(self, account: UUID | None, purpose: str = "prospecting") -> None:
        body = {"purpose": purpose, "owner_id": self.rep, "scheduled_at": SOON}
        if account is None:
            body |= {"kind": "task", "purpose": "other", "purpose_note": "prep"}
        else:
            body |= {"kind": "call", "account_id": account}
        command = cmd.PlanActivity.model_validate(body)
        execute(cmd.plan_activity, self.app, command, ADMIN)

    def with_live(self, count: int) -> UUID:
        account = self.account()
        for _ in range(count):
            self.plan(account)
        return account


def row(label: str, rate: float, latencies: list[float], base: float) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return (
        f"{label:<52}{rate:>8,.0f}{rate / base:>8.2f}"
        f"{cuts[49] * 1000:>9.1f}{cuts[98] * 1000:>9.1f}"
    )


def concurrent(
    bench: Bench, count: int, one_customer: bool
) -> tuple[float, list[float], int]:
    """Plans per second, latencies, and how many gave up (409 ``Conflict``)."""
    shared = bench.account()
    accounts = [shared if one_customer else bench.account() for _ in range(THREADS)]
    per = max(count // THREADS, 2)
    latencies: list[float] = []
    gave_up: list[int] = []

    def drive(n: int) -> None:
        purposes = [f"upsell:p{n}-{k}" for k in range(per)]  # never collide
        for purpose in purposes:
            t = time.perf_counter()
            try:
                bench.plan(accounts[n], purpose)
            except Conflict:
                gave_up.append(1)
            latencies.append(time.perf_counter() - t)

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(drive, range(THREADS)))
    rate = (per * THREADS - len(gave_up)) / (time.perf_counter() - started)
    return rate, latencies, len(gave_up)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=400)
    parser.add_argument("--quick", action="store_true", help="smoke run")
    args = parser.parse_args(argv)
    runs = 60 if args.quick else args.commands
    url = os.environ.get("SFA_BENCH_DATABASE_URL", DEFAULT_URL)
    with Admin(url) as admin:
        admin.drop_schemas([SCHEMA])
    env = {**Settings(database_url=url).persistence_env(), "SFA_DB_SCHEMA": SCHEMA}
    app = SalesApplication(env=env)
    try:
        bench = Bench(app)
        print(f"bench_outreach: {runs} commands per figure", file=sys.stderr)
        base, base_lat = timed(runs, lambda _: bench.plan(None))
        header = f"{'figure':<52}{'per s':>8}{'ratio':>8}{'p50 ms':>9}{'p99 ms':>9}"
        rows = [header, row("(a) plan a task (no ledger)", base, base_lat, base)]
        for live in (0, 10, 100, 400):
            account = bench.with_live(live)

            def step(n: int, account: UUID = account) -> None:
                bench.plan(account, f"upsell:{n}")

            rate, lat = timed(runs, step)
            label = f"(b) plan a call, customer with {live} live"
            rows.append(row(label, rate, lat, base))
        for one in (False, True):
            rate, lat, gave_up = concurrent(bench, runs * 4, one)
            which = "one customer" if one else f"{THREADS} customers"
            label = f"(c) {THREADS} threads, {which}, {gave_up} gave up"
            rows.append(row(label, rate, lat, base))
        rows.append("ratios: against (a)")
        print("\n".join(rows))
    finally:
        app.close()
        with Admin(url) as admin:
            admin.drop_schemas([SCHEMA])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
