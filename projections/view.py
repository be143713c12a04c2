"""A view: a named set of tables kept from the events, one handler per event
type. What must hold:

- ``apply`` is deterministic: it reads only the event, its position and the
  view's own tables, so a rebuild from position 0 gives the same rows.
- A view writes through the cursor it is given: the engine commits its rows
  and its tracking position in the same transaction.
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


class Step:
    """What a handler gets with each event: the cursor, the names of the
    view's tables, and the event's global position."""

    def __init__(self, cursor: Cursor, tables: Tables, position: int) -> None:
        self.cursor = cursor
        self.tables = tables
        self.position = position

    def execute(self, statement: str, *params: Any) -> None:
        self.cursor.execute(self.tables.sql(statement), params)

    def one(self, statement: str, *params: Any) -> tuple[Any, ...] | None:
        self.execute(statement, *params)
        return self.cursor.fetchone()


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
