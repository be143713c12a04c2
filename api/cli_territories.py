"""``sfa territories realign [--apply]``: preview the moves the current
territory rules and manual assignments make, then apply them with a
progress bar (``POST /territories/realign`` from a shell)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from commands import territory_assignment as assignment
from commands.base import Caller, Context, Outcome, execute
from infra.bootstrap import Container
from infra.projection_host import progress_printer
from projections.territories import Territories
from projections.territories_query import account_ids

SHOWN = 50  # moves printed


def add_parser(commands: Any, container: Any) -> None:
    parser = commands.add_parser("territories", help="territories: realign")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser("realign", help="preview (or --apply) a realignment")
    run.add_argument("--apply", action="store_true", help="record the moves")
    run.set_defaults(func=lambda args: realign(args, container()))


def realign(args: argparse.Namespace, container: Container | int) -> int:
    if isinstance(container, int):
        return container
    try:
        app, store = container.app, container.projections.store
        show = progress_printer("territories view", sys.stderr.write)
        container.projections.runner(Territories.name).catch_up(progress=show)
        with store.reading() as cursor:
            ids = account_ids(cursor, store.names(Territories))
        moves = assignment.plan(app, ids)
        _print(moves, len(ids))
        if args.apply and moves:
            caller = Caller(f"cli:{getpass.getuser()}", frozenset({"service"}))
            ctx = Context(caller)
            bar = progress_printer("realign", sys.stderr.write)
            command = assignment.ApplyMoves(moves=moves)
            position = execute(_applying(bar), app, command, ctx).position
            print(f"\nsfa: {len(moves)} moves recorded, up to position {position}")
    finally:
        container.close()
    return 0


def _applying(bar: Any) -> Any:
    def handler(app: Any, command: assignment.ApplyMoves, ctx: Context) -> Outcome:
        return Outcome(None, assignment.apply(app, ctx, command.moves, bar))

    return handler


def _print(moves: list[assignment.Move], accounts: int) -> None:
    print(f"\nsfa: {accounts} accounts, {len(moves)} would move")
    for m in moves[:SHOWN]:
        print(f"  {m.account}: {m.from_territory or '-'} -> {m.to_territory or '-'}"
              f" (rule {m.rule or '-'})")  # fmt: skip
    if len(moves) > SHOWN:
        print(f"  ... and {len(moves) - SHOWN} more")
