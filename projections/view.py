"""A view: a named set of tables kept from the events, one handler per event
type. What must hold:

- ``apply`` is deterministic: it reads only the event, its position and the
  view's own tables, so a rebuild from position 0 gives the same rows.
- A view writes through the ``Step`` it is given: the engine commits its rows
  and its tracking position in the same transaction. Writes are buffered for
  the batch (``Batch``) and sent before any read and before the position.
- SQL is written once for both stores: ``%s`` placeholders, portable types
  (``TEXT``, ``BIGINT``, ``INTEGER``, ``BOOLEAN``, ``NUMERIC``, ``TIMESTAMPTZ``,
  ``UUID``) and ``INSERT ... ON CONFLICT``. Table names are ``{table}``
  placeholders, resolved by the store (schema ``projections`` on PostgreSQL,
  a ``projections_`` prefix on SQLite).
- What only some stores can have (a PostgreSQL extension, an index type) is
  ``setup`` DDL, run whenever the store creates the view's tables; a setup
  statement that fails leaves the view working without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

E = TypeVar("E")


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...


class Tables(Protocol):
    """SQL with ``{table}`` placeholders made concrete for one store."""

    def sql(self, statement: str) -> str: ...


Handler = Callable[[Any, "Step", Any], None]

_READS = ("SELECT", "WITH")
MAX_PENDING = 2000  # statements held before they are sent anyway


class Batch:
    """What the steps of one batch share: the cursor, the writes not sent yet
    and a cache a view may keep of its own rows (``Step.lookup``).

    Writes (``INSERT``, ``UPDATE``, ``DELETE``) wait in ``pending`` and go to
    the database together: before the next read, and by ``flush`` at the end
    of the batch, before the position is saved in the same transaction. On
    PostgreSQL they go in one round trip (each statement bound by the cursor's
    ``mogrify``, joined with ``;``), a read that follows riding along; other
    stores run them one by one. ``buffered=False`` sends each write at once."""

    def __init__(self, cursor: Cursor, *, buffered: bool = True) -> None:
        self.cursor = cursor
        self.buffered = buffered
        self.pending: list[tuple[str, Sequence[Any]]] = []
        self.cache: dict[Any, Any] = {}

    def write(self, sql: str, params: Sequence[Any]) -> None:
        self.pending.append((sql, params))
        if not self.buffered or len(self.pending) >= MAX_PENDING:
            self.flush()

    def read(self, sql: str, params: Sequence[Any]) -> None:
        """Sends the pending writes, then ``sql``; its rows are the cursor's."""
        self.pending.append((sql, params))
        self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        if not pending:
            return
        mogrify = getattr(self.cursor, "mogrify", None)
        if mogrify is None or len(pending) == 1:
            for sql, params in pending:
                self.cursor.execute(sql, params)
            return
        bound = b";".join(mogrify(sql, params) for sql, params in pending)
        self.cursor.execute(bound.decode())  # no params: nothing is re-bound


_MISSING = object()


class Step:
    """What a handler gets with each event: the cursor, the names of the
    view's tables, and the event's global position. Its statements go through
    the ``Batch`` (a batch of its own if none is given: unbuffered)."""

    def __init__(
        self,
        cursor: Cursor,
        tables: Tables,
        position: int,
        batch: Batch | None = None,
    ) -> None:
        self.batch = batch if batch is not None else Batch(cursor, buffered=False)
        self.tables = tables
        self.position = position

    @property
    def cursor(self) -> Cursor:
        """The cursor, with every write so far sent."""
        self.batch.flush()
        return self.batch.cursor

    def execute(self, statement: str, *params: Any) -> None:
        """A read runs now (writes pending before it first); a write waits."""
        sql = self.tables.sql(statement)
        if sql.lstrip()[:6].upper().startswith(_READS):
            self.batch.read(sql, params)
        else:
            self.batch.write(sql, params)

    def one(self, statement: str, *params: Any) -> tuple[Any, ...] | None:
        sql = self.tables.sql(statement)
        self.batch.read(sql, params)
        return self.batch.cursor.fetchone()

    def lookup(self, key: Any, statement: str, *params: Any) -> tuple[Any, ...] | None:
        """``one(statement, *params)``, cached under ``key`` for the batch.
        A view that caches a row must keep it as the database has it:
        ``remember`` what it writes, ``forget`` what it cannot tell."""
        found = self.batch.cache.get(key, _MISSING)
        if found is _MISSING:
            found = self.batch.cache[key] = self.one(statement, *params)
        return found  # type: ignore[no-any-return]

    def remember(self, key: Any, row: tuple[Any, ...] | None) -> None:
        self.batch.cache[key] = row

    def cached(self, key: Any) -> tuple[Any, ...] | None:
        """The row cached under ``key``; ``None`` if there is none or the
        batch does not know."""
        found = self.batch.cache.get(key)
        return found if isinstance(found, tuple) else None

    def forget(self, key: Any) -> None:
        self.batch.cache.pop(key, None)


class View:
    """Subclasses set ``name``, ``tables`` (table -> column definitions),
    ``indexes`` (index suffix -> ``table (columns)``) and register handlers
    with ``@handles(EventClass, ...)``. A change of tables is a new ``name``
    (the view rebuilds beside the old one)."""

    name: ClassVar[str]
    tables: ClassVar[dict[str, str]]
    indexes: ClassVar[dict[str, str]] = {}
    _handlers: ClassVar[dict[type, Handler]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for value in list(vars(cls).values()):
            for event_class in getattr(value, "_sfa_handles", ()):
                cls._handlers[event_class] = value

    @classmethod
    def setup(cls, store_kind: str) -> list[str]:
        """Extra DDL for a store of ``store_kind`` (``postgres``, ``sqlite``),
        with ``{table}`` placeholders. The store runs it after creating the
        tables and ``indexes`` (live, rebuild, and live again after a swap), so
        it must be idempotent; each statement that fails is rolled back alone,
        logged, and skipped: the view must work without it."""
        return []

    def apply(self, step: Step, event: Any) -> bool:
        """Applies ``event`` if the view handles its type; says whether it did."""
        handler = self._handlers.get(type(event))
        if handler is None:
            return False
        handler(self, step, event)
        return True

    def handles(self, event_class: type) -> bool:
        return event_class in self._handlers


def handles(*event_classes: type) -> Callable[[Callable[..., None]], Any]:
    def register(method: Callable[..., None]) -> Any:
        method._sfa_handles = event_classes  # type: ignore[attr-defined]
        return method

    return register
