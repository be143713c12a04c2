"""PostgreSQL connections for the psycopg2 recorders: a small pool, transactions,
and the mapping of driver errors to the ``eventsourcing`` error classes.

Connections run in autocommit mode, so a single statement is its own
transaction (one round trip); ``transaction()`` opens an explicit one.
A connection that fails is closed and replaced, never handed out again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar
from uuid import UUID

import psycopg2
import psycopg2.extensions
import psycopg2.extras
from eventsourcing import persistence as es
from psycopg2.extensions import AsIs
from psycopg2.extensions import connection as Connection
from psycopg2.extensions import cursor as Cursor

logger = logging.getLogger(__name__)

psycopg2.extras.register_uuid()  # type: ignore[no-untyped-call]


def uuid_literal(value: UUID) -> AsIs:
    """A ``UUID`` bound as a ``uuid`` literal of its 32 hex digits (PostgreSQL
    reads them as it reads the hyphenated form; the cast keeps it a ``uuid``
    wherever it is used): the same value as the driver's own adapter, which
    spends a Python object and ``str(uuid)`` on each."""
    return AsIs(f"'{value.int:032x}'::uuid")


psycopg2.extensions.register_adapter(UUID, uuid_literal)


def _bytea(value: str | bytes | None, curs: Cursor) -> bytes | None:
    """bytea (hex output) straight to ``bytes``: the log is read in bulk, and
    this skips the driver's memoryview and the copy out of it."""
    if value is None:
        return None
    if isinstance(value, str) and value.startswith("\\x"):
        return bytes.fromhex(value[2:])
    return bytes(psycopg2.BINARY(value, curs))  # bytea_output = escape


BYTEA_AS_BYTES = psycopg2.extensions.new_type((17,), "BYTEA_AS_BYTES", _bytea)

_ERRORS: list[tuple[type[psycopg2.Error], type[es.PersistenceError]]] = [
    (psycopg2.IntegrityError, es.IntegrityError),
    (psycopg2.OperationalError, es.OperationalError),
    (psycopg2.InterfaceError, es.InterfaceError),
    (psycopg2.DataError, es.DataError),
    (psycopg2.InternalError, es.InternalError),
    (psycopg2.ProgrammingError, es.ProgrammingError),
    (psycopg2.NotSupportedError, es.NotSupportedError),
    (psycopg2.DatabaseError, es.DatabaseError),
]

P = ParamSpec("P")
R = TypeVar("R")


def translate(error: psycopg2.Error) -> es.PersistenceError:
    """The library's error class for a driver error (most specific first)."""
    for driver_class, library_class in _ERRORS:
        if isinstance(error, driver_class):
            return library_class(str(error).strip())
    return es.PersistenceError(str(error).strip())


def is_connection_error(error: BaseException) -> bool:
    return isinstance(error, es.OperationalError | es.InterfaceError)


class PgDatastore:
    """Opens connections to one database (a libpq URL) and lends them out.

    At most ``pool_size`` connections are lent at once; a caller waits up to
    ``pool_timeout`` seconds for one, then gets an ``OperationalError``.
    """

    def __init__(
        self,
        url: str,
        *,
        schema: str = "public",
        pool_size: int = 10,
        pool_timeout: float = 30.0,
        connect_timeout: int = 5,
        poll_interval: float = 1.0,
        application_name: str = "sfa",
    ) -> None:
        self.url = url
        self.application_name = application_name
        self.schema = schema
        self.pool_timeout = pool_timeout
        self.connect_timeout = connect_timeout
        self.poll_interval = poll_interval
        self._idle: list[Connection] = []
        self._slots = threading.BoundedSemaphore(pool_size)
        self._lock = threading.Lock()
        self._closed = False

    def connect(self) -> Connection:
        """A new autocommit connection, outside the pool (e.g. for LISTEN)."""
        try:
            conn = psycopg2.connect(
                self.url,
                connect_timeout=self.connect_timeout,
                application_name=self.application_name,
            )
        except psycopg2.Error as e:
            raise translate(e) from e
        conn.autocommit = True
        psycopg2.extensions.register_type(BYTEA_AS_BYTES, conn)
        return conn

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """Lend a pooled connection; driver errors leave as library errors."""
        conn = self._acquire()
        broken = False
        try:
            yield conn
        except psycopg2.Error as e:
            broken = isinstance(e, psycopg2.OperationalError | psycopg2.InterfaceError)
            raise translate(e) from e
        finally:
            self._release(conn, broken=broken or bool(conn.closed))

    @contextmanager
    def cursor(self) -> Iterator[Cursor]:
        with self.connection() as conn, conn.cursor() as curs:
            yield curs

    @contextmanager
    def transaction(
        self, cursor_factory: type[Cursor] | None = None
    ) -> Iterator[Cursor]:
        """An explicit transaction: committed if the block ends normally."""
        with (
            self.connection() as conn,
            conn.cursor(cursor_factory=cursor_factory) as curs,
        ):
            curs.execute("BEGIN")
            try:
                yield curs
            except BaseException:
                if not conn.closed:
                    with contextlib.suppress(psycopg2.Error):
                        curs.execute("ROLLBACK")
                raise
            curs.execute("COMMIT")

    def _acquire(self) -> Connection:
        if self._closed:
            raise es.OperationalError("datastore is closed")
        if not self._slots.acquire(timeout=self.pool_timeout):
            msg = f"no database connection free within {self.pool_timeout}s"
            raise es.OperationalError(msg)
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        try:
            if conn is None or conn.closed:
                conn = self.connect()
        except BaseException:
            self._slots.release()
            raise
        return conn

    def _release(self, conn: Connection, *, broken: bool) -> None:
        idle = psycopg2.extensions.TRANSACTION_STATUS_IDLE
        if not broken and conn.get_transaction_status() != idle:
            broken = True  # left inside a transaction: do not lend it again
        try:
            if broken or self._closed:
                with contextlib.suppress(psycopg2.Error):
                    conn.close()
            else:
                with self._lock:
                    self._idle.append(conn)
        finally:
            self._slots.release()
        if broken:
            self._discard_idle()

    def _discard_idle(self) -> None:
        """After a lost connection the idle ones are suspect too (a server
        restart drops them all): close them rather than fail on each in turn."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            with contextlib.suppress(psycopg2.Error):
                conn.close()

    def close(self) -> None:
        self._closed = True
        self._discard_idle()


def retry_on_disconnect(
    attempts: int = 10, wait: float = 0.2
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Retry a call that failed because the connection was lost.

    A write retried after its commit was acknowledged but the answer lost
    fails with ``IntegrityError`` (its versions exist), never twice recorded.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except (es.OperationalError, es.InterfaceError) as e:
                    if attempt == attempts:
                        raise
                    logger.warning("database connection lost (%s), retrying", e)
                    threading.Event().wait(wait * attempt)
            raise AssertionError("unreachable")  # pragma: no cover

        wrapper.__name__ = func.__name__
        wrapper.__doc__ = func.__doc__
        return wrapper

    return decorate


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"
