"""Territories and lead lists on PostgreSQL, each beside its baseline in the
same run:
  (1) opening an account with no territory (baseline) against opening it
      with T territories of 3 rules each (the account is placed in the
      same save: the map and the territories are read in one round trip);
  (2) a realignment of the accounts of (1): plan, then apply;
  (3) importing N CSV rows as a lead list (200 rows per transaction)
      against capturing N leads one command each (baseline).

    SFA_BENCH_DATABASE_URL=postgresql://... \\
        python -m benchmarks.bench_territories [--accounts N] [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.store_admin import Admin
from commands import accounts as acc
from commands import lead_import as imp
from commands import leads as ld
from commands import territories as cmd
from commands import territory_assignment as assignment
from commands.application import SalesApplication
from commands.base import Caller, Context, execute
from commands.lead_csv import default_mapping, read_csv
from infra.settings import Settings

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_territories"
CTX = Context(Caller("bench", frozenset({"admin"})))
COUNTRIES = ["DE", "FR", "IT", "ES", "SE", "NL", "PL", "AT", "BE", "DK"]


def rate(label: str, count: int, work: Callable[[int], Any]) -> float:
    started = time.perf_counter()
    for n in range(count):
        work(n)
    per_s = count / (time.perf_counter() - started)
    print(f"{label}: {per_s:,.0f}/s", file=sys.stderr)
    return per_s


def opening(app: SalesApplication, tag: str) -> Callable[[int], Any]:
    def open_one(n: int) -> Any:
        body = {"name": f"{tag}{n}", "country": COUNTRIES[n % 10], "postcode": f"{n}"}
        return execute(acc.open_account, app, acc.OpenAccount.model_validate(body), CTX)

    return open_one


def make_territories(app: SalesApplication, count: int) -> None:
    for t in range(count):
        rules = [
            {"name": "c", "country": COUNTRIES[t % 10]},
            {
                "name": "p",
                "country": COUNTRIES[t % 10],
                "postcode_prefix": str(t % 9 + 1),
            },
            {"name": "s", "min_employees": 10_000 + t},
        ]
        command = cmd.CreateTerritory.model_validate({"name": f"T{t}", "rules": rules})
        execute(cmd.create_territory, app, command, CTX)


def lead_figures(app: SalesApplication, count: int) -> tuple[float, float]:
    def capture(n: int) -> Any:
        body = {
            "source": {"kind": "web"},
            "family_name": f"L{n}",
            "email": f"l{n}@x.io",
        }
        return execute(ld.capture_lead, app, ld.CaptureLead.model_validate(body), CTX)

    one_by_one = rate("capture_lead, one command each", count, capture)
    text = "last_name,email\n" + "".join(f"P{n},p{n}@x.io\n" for n in range(count))
    header, rows = read_csv(text)
    command = imp.RegisterLeadList.model_validate(
        {
            "name": "Bench list",
            "source": {
                "kind": "purchased_list",
                "cost_per_lead": "1",
                "currency": "EUR",
            },
            "mapping": default_mapping(header),
        }
    )
    started = time.perf_counter()
    imp.import_rows(app, CTX, command, rows)
    imported = count / (time.perf_counter() - started)
    print(f"lead list import: {imported:,.0f} rows/s", file=sys.stderr)
    return one_by_one, imported


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--territories", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="smoke run")
    args = parser.parse_args(argv)
    count = 200 if args.quick else args.accounts
    url = os.environ.get("SFA_BENCH_DATABASE_URL", DEFAULT_URL)
    with Admin(url) as admin:
        admin.recreate_schemas([SCHEMA])
        try:
            env = {
                **Settings(database_url=url).persistence_env(),
                "SFA_DB_SCHEMA": SCHEMA,
            }
            app = SalesApplication(env=env)
            bare = rate("open_account, no territories", count, opening(app, "a"))
            make_territories(app, args.territories)
            placed = rate(
                f"open_account, {args.territories} territories",
                count,
                opening(app, "b"),
            )
            rules = [cmd.Rule(name="x", country="DE")]
            first = cmd.SetTerritoryRules(
                territory_id=assignment.current(app)[0].territory_id, rules=rules
            )
            execute(cmd.set_territory_rules, app, first, CTX)
            accounts = list(_account_ids(app))
            started = time.perf_counter()
            moves = assignment.plan(app, accounts)
            planned = time.perf_counter() - started
            started = time.perf_counter()
            execute(
                assignment.apply_moves, app, assignment.ApplyMoves(moves=moves), CTX
            )
            applied = time.perf_counter() - started
            one_by_one, imported = lead_figures(app, count)
            app.close()
        finally:
            admin.drop_schemas([SCHEMA])
    print(
        f"bench_territories: {count:,} accounts, {args.territories} territories\n"
        f"  open_account: {bare:,.0f}/s bare, {placed:,.0f}/s placed"
        f" (ratio {placed / bare:.2f})\n"
        f"  realign {len(accounts):,} accounts: plan {planned:.2f} s,"
        f" apply {len(moves):,} moves {applied:.2f} s\n"
        f"  leads: {one_by_one:,.0f}/s one command each, {imported:,.0f} rows/s"
        f" imported as a list (ratio {imported / one_by_one:.1f})"
    )
    return 0


def _account_ids(app: SalesApplication) -> Any:
    """Every account id, read from the notification log (no view here)."""
    from domain.account import Account

    opened = f"{Account.__module__}:{Account.__qualname__}.Opened"
    start = 1
    while page := app.recorder.select_notifications(start, 500, topics=[opened]):
        yield from (n.originator_id for n in page)
        start = page[-1].id + 1


if __name__ == "__main__":
    sys.exit(main())
