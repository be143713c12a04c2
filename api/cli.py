"""The ``sfa`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from eventsourcing.persistence import PersistenceError

from infra.bootstrap import Container, bootstrap
from infra.settings import Settings, SettingsError


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


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.main import create_app

    try:
        settings = Settings.from_env()
        settings = settings.model_copy(
            update={
                "host": args.host or settings.host,
                "port": args.port or settings.port,
            }
        )
        container = bootstrap(settings)
    except SettingsError as e:
        print(f"sfa: configuration error: {e}", file=sys.stderr)
        return 2
    except PersistenceError as e:
        print(
            f"sfa: cannot open the store ({_store_label(settings)}): {e}",
            file=sys.stderr,
        )
        return 1
    print(f"sfa: store {_store_label(settings)}")
    print(f"sfa: serving at http://{settings.host}:{settings.port}  (docs: /docs)")
    if settings.dev_token:
        print(f"sfa: development admin token: {settings.dev_token}")
        print("sfa: (set SFA_API_TOKENS to choose tokens; this one changes each start)")
    sys.stdout.flush()

    def build() -> Container:
        return container

    uvicorn.run(create_app(build), host=settings.host, port=settings.port)
    return 0


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
    run.set_defaults(func=serve)
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
