"""``sfa relay`` and ``sfa tail``: the Kafka commands of the command line."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from typing import TYPE_CHECKING, Any

from infra import gc_tuning

if TYPE_CHECKING:
    from infra.bootstrap import Container


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
        gc_tuning.tune()
        with contextlib.suppress(KeyboardInterrupt):
            found.run()
    finally:
        container.close()
    return 0


def tail(args: argparse.Namespace) -> int:
    from kafka.errors import KafkaError

    from infra.kafka.schemas import catalogue
    from infra.kafka.tail import Tail, topic_names
    from infra.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
    except SettingsError as e:
        print(f"sfa: configuration error: {e}", file=sys.stderr)
        return 2
    if not settings.kafka_bootstrap:
        print("sfa: set SFA_KAFKA_BOOTSTRAP to tail Kafka topics", file=sys.stderr)
        return 2
    aggregates = {s.aggregate for s in catalogue().values()}
    topics = topic_names(settings.kafka_topic_prefix, args.topics, aggregates)
    where = "the beginning" if args.from_beginning else "now"
    print(f"sfa: tailing {', '.join(topics)} from {where}", file=sys.stderr)
    try:
        follower = Tail(
            settings.kafka_bootstrap, topics, from_beginning=args.from_beginning
        )
    except KafkaError as e:
        where = settings.kafka_bootstrap
        print(f"sfa: cannot reach Kafka at {where}: {e}", file=sys.stderr)
        return 1
    try:
        follower.run(_print_line, limit=args.limit, as_json=args.json)
    except KeyboardInterrupt:
        pass
    finally:
        follower.close()
    return 0


def _print_line(text: str) -> None:
    print(text, flush=True)


def start_view_workers(
    container: Container, names: list[str] | None = None
) -> threading.Event:
    """Views fed from Kafka (``SFA_PROJECTIONS_SOURCE=kafka``), one worker
    thread per view; set the returned event to stop them."""
    from infra.kafka.projection_worker import KafkaViewWorker

    settings = container.settings
    assert settings.kafka_bootstrap, "SFA_PROJECTIONS_SOURCE=kafka needs a broker"
    stop = threading.Event()
    for name in names or list(container.projections.runners):
        view = type(container.projections.runner(name).view)()
        worker = KafkaViewWorker(
            view,
            container.projections.store,
            settings.kafka_bootstrap,
            settings.kafka_topic_prefix,
            mapper=container.app.mapper,
        )
        threading.Thread(
            target=worker.run, args=(stop,), name=f"kafka-view-{name}", daemon=True
        ).start()
    return stop


def add_commands(commands: Any) -> None:
    """Registers the Kafka commands on the ``sfa`` parser's subcommands."""
    run = commands.add_parser(
        "relay", help="publish the log to Kafka (SFA_KAFKA_BOOTSTRAP), or its status"
    )
    run.add_argument("action", nargs="?", choices=["run", "status"], default="run")
    run.set_defaults(func=relay)
    follow = commands.add_parser(
        "tail", help="print events from Kafka topics as they arrive"
    )
    follow.add_argument(
        "topics", nargs="*", metavar="TOPIC", help="e.g. sfa.contact (default: all)"
    )
    follow.add_argument(
        "--from-beginning", action="store_true", help="replay the topics first"
    )
    follow.add_argument("--limit", type=int, help="stop after this many events")
    follow.add_argument("--json", action="store_true", help="whole CloudEvents")
    follow.set_defaults(func=tail)
