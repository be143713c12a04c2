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

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

from projections.batch import Batch, Cursor

__all__ = ["Batch", "Cursor", "Step", "Tables", "View", "handles", "reader_for"]

E = TypeVar("E")


class Tables(Protocol):
    """SQL with ``{table}`` placeholders made concrete for one store."""

    def sql(self, statement: str) -> str: ...


Handler = Callable[[Any, "Step", Any], None]

_READS = ("SELECT", "WITH")
PRELOAD_CHUNK = 500  # keys per query of Step.preload


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

    def preload(self, name: str, statement: str, ids: Iterable[Any]) -> None:
        """Caches, for ``lookup``, the row of each of ``ids`` the batch does
        not know yet, under ``(name, id)`` (``None``: no such row), in a few
        queries. ``statement`` selects the key column, then the row, and ends
        ``WHERE <key column> IN (%s)``."""
        cache = self.batch.cache
        wanted = {str(i): i for i in ids if i is not None and (name, i) not in cache}
        keys = list(wanted)
        for start in range(0, len(keys), PRELOAD_CHUNK):
            chunk = keys[start : start + PRELOAD_CHUNK]
            sql = self.tables.sql(statement)
            sql = sql[: sql.rindex("(%s)")] + f"({', '.join(['%s'] * len(chunk))})"
            self.batch.read(sql, [wanted[key] for key in chunk])
            for key, *row in self.batch.cursor.fetchall():
                cache[(name, wanted.pop(str(key)))] = tuple(row)
        for missing in wanted.values():
            cache[(name, missing)] = None

    def remember(self, key: Any, row: tuple[Any, ...] | None) -> None:
        self.batch.cache[key] = row

    def cached(self, key: Any) -> tuple[Any, ...] | None:
        """The row cached under ``key``; ``None`` if there is none or the
        batch does not know."""
        found = self.batch.cache.get(key)
        return found if isinstance(found, tuple) else None

    def knows(self, key: Any) -> bool:
        """Whether the batch has cached ``key``: a row, or that there is none."""
        return key in self.batch.cache

    def forget(self, key: Any) -> None:
        self.batch.cache.pop(key, None)


class View:
    """Subclasses set ``name``, ``tables`` (table -> column definitions),
    ``indexes`` (index suffix -> ``table (columns)``) and register handlers
    with ``@handles(EventClass, ...)``. ``query_indexes`` names those of
    ``indexes`` that only the view's queries read through, never its handlers
    (nor ``prefetch``): a rebuild builds them in bulk once its rows are in,
    rather than keeping them up row by row. ``reads_personal_data = False``
    says no handler (nor ``prefetch``) reads a personal value (the fields
    ``domain.personal`` declares): the runner then reads the log with the
    boxes shut (no key fetched, nothing decrypted; tested to give the same
    rows, tests/unit/test_sealed_views.py). A change of tables is a new
    ``name`` (the view rebuilds beside the old one)."""

    name: ClassVar[str]
    tables: ClassVar[dict[str, str]]
    indexes: ClassVar[dict[str, str]] = {}
    query_indexes: ClassVar[frozenset[str]] = frozenset()
    reads_personal_data: ClassVar[bool] = True
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
        tables and ``indexes`` (live; rebuilt tables once loaded, before the
        swap; and live again after a swap), so it must be idempotent; each
        statement that fails is rolled back alone, logged, and skipped: the
        view must work without it."""
        return []

    def prefetch(self, step: Step, events: Sequence[Any]) -> None:
        """Before a batch's events are applied: may ``step.preload`` the rows
        their handlers will look up, a few queries instead of one each."""

    def apply(self, step: Step, event: Any) -> bool:
        """Applies ``event`` if the view handles its type; says whether it did."""
        handler = self._handlers.get(type(event))
        if handler is None:
            return False
        handler(self, step, event)
        return True

    def handles(self, event_class: type) -> bool:
        return event_class in self._handlers


def reader_for(view: View, mapper: Any) -> Any:
    """The mapper ``view`` reads events with: ``mapper``, or for a view that
    reads no personal value its reader with the boxes shut (``sealed``), if
    it has one."""
    if view.reads_personal_data or not hasattr(mapper, "sealed"):
        return mapper
    return mapper.sealed()


def handles(*event_classes: type) -> Callable[[Callable[..., None]], Any]:
    def register(method: Callable[..., None]) -> Any:
        method._sfa_handles = event_classes  # type: ignore[attr-defined]
        return method

    return register
