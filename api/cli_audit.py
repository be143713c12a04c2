"""``sfa audit verify`` and ``sfa audit export``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra import audit_export, ledger, ledger_anchor, point_in_time
from infra.audit_log import LogFilter
from infra.bootstrap import Container
from infra.projection_host import progress_printer


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser("audit", help="verify the ledger, export the log")
    actions = audit.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("verify", help="recompute the ledger's hash chain")
    check.add_argument("--from", dest="start", type=int, metavar="P", help="position")
    check.add_argument("--to", dest="stop", type=int, metavar="P", help="position")
    check.add_argument(
        "--against",
        metavar="FILE|-",
        help="also compare checkpoints kept outside (Kafka or /audit/checkpoints)",
    )
    out = actions.add_parser("export", help="the global log as JSON Lines")
    out.add_argument("--out", required=True, type=Path, help="FILE.jsonl (appended)")
    out.add_argument("--after", type=int, default=0, help="position (default 0)")
    out.add_argument("--aggregate-type", help="e.g. contact")
    out.add_argument("--event-type", help="e.g. sfa.contact.renamed.v1")
    out.add_argument("--actor")
    out.add_argument("--since", type=moment, help="ISO time, inclusive (UTC)")
    out.add_argument("--until", type=moment, help="ISO time, exclusive (UTC)")


def add_as_of_arguments(views: argparse.ArgumentParser) -> None:
    views.add_argument(
        "--as-of",
        metavar="TIME|POSITION",
        help="rebuild: as the view stood then (needs --into)",
    )
    views.add_argument(
        "--into",
        metavar="SCHEMA|FILE",
        help="rebuild: into this PostgreSQL schema or SQLite file, not the live view",
    )


def rebuild_as_of(container: Container, args: argparse.Namespace) -> int:
    """``sfa projections rebuild NAME... --as-of X --into Y``."""
    try:
        if args.as_of and not args.into:
            raise point_in_time.BadTarget("--as-of needs --into")
        store = point_in_time.target_store(container.settings, args.into)
    except point_in_time.BadTarget as e:
        print(f"sfa: {e}", file=sys.stderr)
        return 2
    try:
        return _rebuild_into(container, args, store)
    except point_in_time.BadTarget as e:
        print(f"sfa: {e}", file=sys.stderr)
        return 2
    finally:
        store.close()


def _rebuild_into(container: Container, args: argparse.Namespace, store: Any) -> int:
    app, host = container.app, container.projections
    until = app.recorder.max_notification_id() or 0
    if args.as_of:
        wanted = point_in_time.parse_as_of(args.as_of)
        until = (
            wanted
            if isinstance(wanted, int)
            else point_in_time.position_at(app, wanted)
        )
    for name in args.names or list(host.runners):
        view_class = type(host.runner(name).view)
        show = progress_printer(f"rebuild {name} as of {until}", sys.stderr.write)
        position = point_in_time.rebuild_as_of(app, view_class, store, until, show)
        print(f"\nsfa: view {name} rebuilt into {args.into} as of position {position}")
    return 0


def moment(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def run(container: Container, args: argparse.Namespace) -> int:
    if args.action == "verify":
        return verify(container, args)
    return export(container, args)


def verify(container: Container, args: argparse.Namespace) -> int:
    """Exit status 0 when intact, 1 when the chain is broken."""
    if args.start is not None and args.stop is not None and args.start > args.stop:
        print("sfa: --from must not be above --to", file=sys.stderr)
        return 2
    try:
        kept = _kept(args.against) if args.against else []
    except (OSError, ledger_anchor.BadCopy) as e:
        print(f"sfa: --against: {e}", file=sys.stderr)
        return 2
    show = progress_printer("verify", sys.stderr.write)
    recorder = container.app.recorder
    verdict = ledger.verify(recorder, args.start, args.stop, show)  # type: ignore[arg-type]
    print(file=sys.stderr)
    print(f"sfa: ledger {verdict.describe()}")
    if not args.against:
        return 0 if verdict.intact else 1
    problems = ledger_anchor.compare(recorder, kept)  # type: ignore[arg-type]
    for problem in problems:
        print(f"sfa: {problem}")
    if not problems:
        print(f"sfa: {len(kept):,} kept checkpoints match the ledger")
    return 0 if verdict.intact and not problems else 1


def _kept(source: str) -> list[ledger_anchor.Kept]:
    text = sys.stdin.read() if source == "-" else Path(source).read_text()
    return ledger_anchor.read_kept(text)


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
