"""``sfa outreach backfill``: file the outreach recorded before the guard."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from commands.activities_backfill import backfill
from commands.base import Caller, Context, execute
from infra.bootstrap import Container
from infra.projection_host import progress_printer


def run(args: argparse.Namespace, container: Container) -> int:
    show = progress_printer("outreach backfill", sys.stderr.write)
    ctx = Context(Caller("sfa outreach backfill", frozenset({"admin"})))

    def handler(app: Any, _: None, context: Context) -> Any:
        return backfill(app, context, show)

    filed = execute(handler, container.app, None, ctx)
    print(f"\nsfa: filed {filed} outreach activities in their customers' ledgers")
    return 0


def add_to(commands: Any, container_of: Any) -> None:
    """Adds ``outreach backfill`` to the ``sfa`` command line."""
    outreach = commands.add_parser(
        "outreach", help="the outreach guard: backfill its ledgers"
    )
    outreach.add_argument("action", choices=["backfill"])

    def main(args: argparse.Namespace) -> int:
        container = container_of()
        if isinstance(container, int):
            return container
        try:
            return run(args, container)
        finally:
            container.close()

    outreach.set_defaults(func=main)
