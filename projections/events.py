"""Finding the event classes of aggregates, for views' handlers."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate


def events_of(aggregate: type[Aggregate]) -> tuple[type, ...]:
    """Every event class declared on an aggregate class."""
    return tuple(
        value
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, Aggregate.Event)
    )


def event_class(aggregate: type[Aggregate], name: str) -> type[Any]:
    """An event class the library made from an ``@event("Name")`` method."""
    found = vars(aggregate)[name]
    assert isinstance(found, type)
    return found
