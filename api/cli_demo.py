"""``sfa demo seed [--seed N] [--scale S] [--until DAY]``: record a seeded
year of a sales organisation's activity into an empty store, with a
progress bar."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from typing import Any

from domain.base import DomainError
from infra.bootstrap import Container
from infra.demo.seed import StoreNotEmpty, seed
from infra.demo.world import SCALES, World
from infra.projection_host import progress_printer


def add_parser(commands: Any, container: Any) -> None:
    demo = commands.add_parser("demo", help="demo data: a seeded year of selling")
    actions = demo.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser("seed", help="record a year of demo activity")
    run.add_argument("--seed", type=int, default=1, help="the same seed, the same data")
    run.add_argument(
        "--scale",
        choices=list(SCALES),
        default="small",
        help="small (default, seconds), medium, large (benchmarks), tiny (tests)",
    )
    run.add_argument(
        "--until",
        type=date.fromisoformat,
        default=datetime.now(UTC).date(),
        help="the year's last day (default: today, UTC)",
    )
    run.set_defaults(func=lambda args: seed_store(args, container()))


def seed_store(args: argparse.Namespace, container: Container | int) -> int:
    if isinstance(container, int):
        return container
    show = progress_printer("demo seed", sys.stderr.write)
    try:
        world = seed(container.app, args.seed, args.scale, args.until, show)
        head = container.app.recorder.max_notification_id() or 0
    except StoreNotEmpty as e:
        print(f"sfa: {e}", file=sys.stderr)
        return 2
    except DomainError as e:  # a bug in a step: say which rule broke
        notes = "; ".join(getattr(e, "__notes__", []))
        print(f"\nsfa: demo seed stopped: {e} ({notes})", file=sys.stderr)
        return 1
    finally:
        container.close()
    print(
        f"\nsfa: demo year to {args.until} recorded:"
        f" {len(world.schedule):,} commands, log head {head:,}"
    )
    _print_teams(world)
    return 0


def _print_teams(world: World) -> None:
    """Ids to start exploring from (``GET /teams/{id}``, ``/reps/{id}/agenda``)."""
    for (_, name, _), team_id, manager in zip(
        world.facts["territories"], world.facts["teams"], world.facts["managers"],
        strict=True,
    ):  # fmt: skip
        print(f"  territory {name}: team {team_id}, manager (rep) {manager}")
