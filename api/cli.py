"""The ``sfa`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from eventsourcing.persistence import PersistenceError

from api import cli_demo, cli_leads, cli_outreach, cli_territories, kafka_cli
from infra import gc_tuning
from infra.bootstrap import Container, bootstrap
from infra.projection_host import ProjectionHost, UnknownView, progress_printer
from infra.settings import Settings, SettingsError
from projections.dedup import Dedup
from projections.runner import Status


def _masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _store_label(settings: Settings) -> str:
    if settings.database_url:
        return f"postgres {_masked(settings.database_url)}"
    return f"sqlite {settings.sqlite_path}"


def _container(settings: Settings | None = None) -> Container | int:
    """The engine, or the exit code after saying why it cannot start."""
    try:
        settings = settings or Settings.from_env()
        return bootstrap(settings)
    except SettingsError as e:
        print(f"sfa: configuration error: {e}", file=sys.stderr)
        return 2
    except PersistenceError as e:
        label = _store_label(settings) if settings else "the store"
        print(f"sfa: cannot open the store ({label}): {e}", file=sys.stderr)
        return 1


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.main import create_app

    try:
        settings = Settings.from_env()
    except SettingsError as e:
        print(f"sfa: configuration error: {e}", file=sys.stderr)
        return 2
    update = {"host": args.host or settings.host, "port": args.port or settings.port}
    container = _container(settings.model_copy(update=update))
    if isinstance(container, int):
        return container
    settings = container.settings
    print(f"sfa: store {_store_label(settings)}")
    print(f"sfa: serving at http://{settings.host}:{settings.port}  (docs: /docs)")
    if settings.dev_token:
        print(f"sfa: development admin token: {settings.dev_token}")
        print("sfa: (set SFA_API_TOKENS to choose tokens; this one changes each start)")
    sys.stdout.flush()
    gc_tuning.tune()
    if args.no_views:
        print("sfa: views not followed here (run: sfa projections run)")
    elif settings.projections_source == "kafka":
        kafka_cli.start_view_workers(container)
    else:
        container.projections.start()

    def build() -> Container:
        return container

    uvicorn.run(create_app(build), host=settings.host, port=settings.port)
    return 0


def projections(args: argparse.Namespace) -> int:
    container = _container()
    if isinstance(container, int):
        return container
    host = container.projections
    try:
        if args.action == "status":
            _print_status(host.status())
        elif args.action == "rebuild" and (args.as_of or args.into):
            from api.cli_audit import rebuild_as_of

            return rebuild_as_of(container, args)
        elif args.action == "rebuild":
            for name in args.names or list(host.runners):
                show = progress_printer(f"rebuild {name}", sys.stderr.write)
                position = host.rebuild(name, show)
                print(f"\nsfa: view {name} rebuilt to position {position}")
        elif container.settings.projections_source == "kafka":
            gc_tuning.tune()
            kafka_cli.start_view_workers(container, args.names or None)
            _run_until_interrupted(None, None)
        else:
            gc_tuning.tune()
            _run_until_interrupted(host, args.names or None)
    except UnknownView as e:
        print(f"sfa: {e.args[0]}", file=sys.stderr)
        return 2
    finally:
        container.close()
    return 0


def dedup(args: argparse.Namespace) -> int:
    """``sfa dedup scan``: re-scores every contact and account from the log
    (after the rules changed), beside the live view, then swaps it in."""
    container = _container()
    if isinstance(container, int):
        return container
    try:
        show = progress_printer("dedup scan", sys.stderr.write)
        position = container.projections.rebuild(Dedup.name, show)
        print(f"\nsfa: dedup view re-scored up to position {position}")
    finally:
        container.close()
    return 0


def _print_status(statuses: list[Status]) -> None:
    print(f"{'view':<20}{'position':>10}{'head':>10}{'lag':>8}{'lag s':>8}  error")
    for s in statuses:
        print(
            f"{s.name:<20}{s.position:>10,}{s.head:>10,}{s.lag_events:>8,}"
            f"{s.lag_seconds:>8.1f}  {s.last_error or ''}"
        )


def _run_until_interrupted(
    host: ProjectionHost | None, names: list[str] | None
) -> None:
    """Runs the views in threads (``host``; None: they run already)."""
    if host is not None:
        host.start(names)
    source = "the log" if host is not None else "Kafka"
    print(f"sfa: following {source}; Ctrl-C stops", file=sys.stderr)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


def audit(args: argparse.Namespace) -> int:
    from api import cli_audit

    container = _container()
    if isinstance(container, int):
        return container
    try:
        return cli_audit.run(container, args)
    finally:
        container.close()


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="sfa",
        description="Event-sourced sales-force-automation engine.",
        epilog="Configuration comes from SFA_* environment variables: see README.",
    )
    commands = root.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("serve", help="run the HTTP API and the engine")
    run.add_argument("--host", help="listen address (default: SFA_HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="port (default: SFA_PORT or 8000)")
    run.add_argument(
        "--no-views",
        action="store_true",
        help="do not follow the log with the views here: run `sfa projections"
        " run` (or Kafka view workers) beside it; each write then costs this"
        " process only its command",
    )
    run.set_defaults(func=serve)
    views = commands.add_parser(
        "projections", help="the read models: status, run, rebuild"
    )
    views.add_argument("action", choices=["status", "run", "rebuild"])
    views.add_argument("names", nargs="*", help="views (default: all)")
    views.set_defaults(func=projections)
    from api import cli_audit

    cli_audit.add_as_of_arguments(views)
    cli_audit.add_parser(commands)
    commands.choices["audit"].set_defaults(func=audit)
    cli_outreach.add_to(commands, _container)
    cli_leads.add_parser(commands, _container)
    cli_territories.add_parser(commands, _container)
    kafka_cli.add_commands(commands)
    cli_demo.add_parser(commands, _container)
    scan = commands.add_parser("dedup", help="duplicate records: scan (re-score)")
    scan.add_argument("action", choices=["scan"])
    scan.set_defaults(func=dedup)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    args = parser().parse_args(argv)
    if not getattr(args, "func", None):
        parser().print_help()
        return 0
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
