"""``sfa relay`` and ``sfa tail``: the Kafka commands of the command line."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any


def relay(args: argparse.Namespace) -> int:
    from api.cli import _container, _print_status

    container = _container()
    if isinstance(container, int):
        return container
    try:
        found = container.relay
        if found is None:
            print("sfa: set SFA_KAFKA_BOOTSTRAP to relay to Kafka", file=sys.stderr)
            return 2
        if args.action == "status":
            _print_status([found.status()])
            return 0
        print(
            f"sfa: relaying to {container.settings.kafka_bootstrap} from position "
            f"{found.position():,}; Ctrl-C stops",
            file=sys.stderr,
        )
        with contextlib.suppress(KeyboardInterrupt):
            found.run()
    finally:
        container.close()
    return 0


def add_commands(commands: Any) -> None:
    """Registers the Kafka commands on the ``sfa`` parser's subcommands."""
    run = commands.add_parser(
        "relay", help="publish the log to Kafka (SFA_KAFKA_BOOTSTRAP), or its status"
    )
    run.add_argument("action", nargs="?", choices=["run", "status"], default="run")
    run.set_defaults(func=relay)
