"""A throwaway PostgreSQL server of the tests' own, which a test may restart.

Restarting the shared server would break every other test and session that uses
it, so tests that must see PostgreSQL go away and come back (runners, relay)
start a private cluster: ``initdb`` into a temporary directory, a free port on
127.0.0.1, ``fsync=off`` (durability is not what these tests measure). As root,
the server runs as the ``postgres`` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2

from tests.services import missing


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PrivatePostgres:
    """One private cluster; ``url`` stays valid across ``restart()``."""

    def __init__(self, bin_dir: str, root: str) -> None:
        self.bin_dir = bin_dir
        self.data = os.path.join(root, "data")
        self.log = os.path.join(root, "server.log")
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(root, user="postgres", group="postgres")

    def _run(self, *args: str) -> None:
        command = [os.path.join(self.bin_dir, args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(
            "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off"
        )
        self._run(
            "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        """Stop at once, dropping every client connection (``-m fast``)."""
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def is_up(self) -> bool:
        try:
            psycopg2.connect(self.url, connect_timeout=2).close()
        except psycopg2.Error:
            return False
        return True


def private_postgres_missing_reason() -> str | None:
    if _bin_dir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: cannot start a private PostgreSQL"
    return None


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """Start a private cluster for the duration of the block, then remove it."""
    reason = private_postgres_missing_reason()
    if reason:
        missing(reason)
    root = tempfile.mkdtemp(prefix="sfa-private-pg-")
    server = PrivatePostgres(_bin_dir() or "", root)
    try:
        server.init()
        server.start()
        yield server
    finally:
        if server.is_up():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
