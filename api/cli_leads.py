"""``sfa leads import FILE.csv --list NAME --cost-per-lead 1.20``: import a
purchased lead list (or ``--product P`` for customers of a related
product), with a progress bar and a per-row error report."""

from __future__ import annotations

import argparse
import csv
import getpass
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from commands import lead_import as imp
from commands.base import Caller, Context
from commands.lead_csv import check_header, default_mapping, read_csv
from domain.base import DomainError
from infra.bootstrap import Container
from infra.projection_host import progress_printer

SHOWN = 20  # rejected rows printed; ``--errors FILE`` gets them all


def add_parser(commands: Any, container: Any) -> None:
    leads = commands.add_parser("leads", help="lead lists: import a CSV")
    actions = leads.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser("import", help="import a CSV of leads")
    run.add_argument("file", type=Path, help="CSV, header line first")
    run.add_argument("--list", required=True, dest="name", help="the list's name")
    run.add_argument("--cost-per-lead", help="purchased list: price of one lead")
    run.add_argument("--currency", default="EUR", help="ISO 4217 (default EUR)")
    run.add_argument("--product", help="customers of this related product")
    run.add_argument(
        "--map", action="append", default=[], metavar="COLUMN=FIELD",
        help="map a column to a lead field (default: by column names)",
    )  # fmt: skip
    run.add_argument("--owner", type=UUID, help="the rep who owns the leads")
    run.add_argument("--errors", type=Path, help="write every rejected row here")
    run.set_defaults(func=lambda args: import_file(args, container()))


def _command(args: argparse.Namespace, header: list[str]) -> imp.RegisterLeadList:
    pairs = [m.split("=", 1) for m in args.map]
    mapping = {c.strip(): f.strip() for c, f in pairs} or default_mapping(header)
    check_header(header, mapping)
    if args.product:
        source = {"kind": "related_product_customer", "product": args.product}
    else:
        cost = {"cost_per_lead": args.cost_per_lead, "currency": args.currency}
        source = {"kind": "purchased_list", **cost}
    body = {"name": args.name, "source": source, "mapping": mapping}
    return imp.RegisterLeadList.model_validate(body)


def import_file(args: argparse.Namespace, container: Container | int) -> int:
    if isinstance(container, int):
        return container
    try:
        text = args.file.read_text(encoding="utf-8-sig")
        total = max(sum(1 for _ in csv.reader(text.splitlines())) - 1, 0)
        header, rows = read_csv(text)
        if any("=" not in m for m in args.map):
            raise ValueError("--map takes COLUMN=FIELD")
        command = _command(args, header)
        caller = Caller(f"cli:{getpass.getuser()}", frozenset({"service"}))
        show = progress_printer(f"import {args.name}", sys.stderr.write)
        report = imp.import_rows(
            container.app, Context(caller), command, rows, args.owner,
            lambda done: show(done, total),
        )  # fmt: skip
    except (OSError, ValueError, ValidationError, DomainError) as e:
        print(f"sfa: {e}", file=sys.stderr)
        return 2
    finally:
        container.close()
    _print(report, args.errors)
    return 0


def _print(report: imp.Report, errors: Path | None) -> None:
    print(
        f"\nsfa: list {report.list_id}: {report.rows} rows, {report.imported}"
        f" imported, {report.already_imported} already there,"
        f" {len(report.rejected)} rejected,"
        f" {len(report.possible_duplicates)} possible duplicates"
    )
    for bad in report.rejected[:SHOWN]:
        problems = "; ".join(f"{e['field']}: {e['message']}" for e in bad["errors"])
        print(f"  row {bad['row']}: {problems}")
    if errors is not None:
        with errors.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["row", "field", "message"])
            for bad in report.rejected:
                for e in bad["errors"]:
                    writer.writerow([bad["row"], e["field"], e["message"]])
        print(f"sfa: rejected rows written to {errors}")
