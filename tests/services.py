"""The services the tests need, and what happens when one is missing.

Under ``CI=true`` a missing service fails the test with a message naming it;
elsewhere the test is skipped with the same message.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import psycopg2
import pytest

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"


def database_url() -> str:
    return os.environ.get("SFA_TEST_DATABASE_URL") or DEFAULT_DATABASE_URL


def missing(what: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} (CI=true: nothing is skipped)", pytrace=False)
    pytest.skip(what)


def postgres_missing_reason() -> str | None:
    url = database_url()
    try:
        psycopg2.connect(url, connect_timeout=3).close()
    except psycopg2.Error as e:
        first_line = str(e).strip().splitlines()[0]
        return f"PostgreSQL is not reachable at {url} ({first_line})"
    return None


def require_postgres() -> str:
    reason = postgres_missing_reason()
    if reason:
        missing(reason)
    return database_url()


@contextmanager
def admin_cursor(url: str) -> Iterator[psycopg2.extensions.cursor]:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as curs:
            yield curs
    finally:
        conn.close()


def drop_schema(url: str, schema: str) -> None:
    with admin_cursor(url) as curs:
        curs.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def join_stray_threads(timeout: float = 10.0) -> None:
    """Wait for threads a library test case started and did not join (its
    readers stop soon after the test); closing a store under them can crash."""
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon:
            thread.join(timeout)
