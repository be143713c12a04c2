"""``sfa audit verify`` and ``sfa audit export``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from infra import audit_export, ledger
from infra.audit_log import LogFilter
from infra.bootstrap import Container
from infra.projection_host import progress_printer


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser("audit", help="verify the ledger, export the log")
    actions = audit.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("verify", help="recompute the ledger's hash chain")
    check.add_argument("--from", dest="start", type=int, metavar="P", help="position")
    check.add_argument("--to", dest="stop", type=int, metavar="P", help="position")
    out = actions.add_parser("export", help="the global log as JSON Lines")
    out.add_argument("--out", required=True, type=Path, help="FILE.jsonl (appended)")
    out.add_argument("--after", type=int, default=0, help="position (default 0)")
    out.add_argument("--aggregate-type", help="e.g. contact")
    out.add_argument("--event-type", help="e.g. sfa.contact.renamed.v1")
    out.add_argument("--actor")
    out.add_argument("--since", type=moment, help="ISO time, inclusive (UTC)")
    out.add_argument("--until", type=moment, help="ISO time, exclusive (UTC)")


def moment(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def run(container: Container, args: argparse.Namespace) -> int:
    if args.action == "verify":
        return verify(container, args)
    return export(container, args)


def verify(container: Container, args: argparse.Namespace) -> int:
    """Exit status 0 when intact, 1 when the chain is broken."""
    show = progress_printer("verify", sys.stderr.write)
    recorder = container.app.recorder
    verdict = ledger.verify(recorder, args.start, args.stop, show)  # type: ignore[arg-type]
    print(file=sys.stderr)
    print(f"sfa: ledger {verdict.describe()}")
    return 0 if verdict.intact else 1


def export(container: Container, args: argparse.Namespace) -> int:
    where = LogFilter(
        args.aggregate_type, args.event_type, args.actor, args.since, args.until
    )
    show = progress_printer(f"export {args.out}", sys.stderr.write)
    written, position = audit_export.export(
        container.app, args.out, args.after, where, show
    )
    print(file=sys.stderr)
    print(f"sfa: wrote {written:,} events to {args.out}, up to position {position}")
    return 0
