"""What every aggregate and event of the sales domain shares.

Every event records who (``actor``), when (``timestamp``, UTC) and why
(``correlation_id``, ``causation_id``). The command layer states these once
per command with ``acting_as(...)``; events created inside take them from
there, so no aggregate method has to pass them along.

Business rules are checked before an event is created; a broken rule raises
``RuleBroken`` naming the rule, and nothing is recorded.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate


@dataclass(frozen=True)
class Actor:
    """Who acts, and the causal chain the action belongs to."""

    name: str
    correlation_id: UUID | None = None
    causation_id: UUID | None = None


SYSTEM = Actor("system")
_acting: contextvars.ContextVar[Actor] = contextvars.ContextVar(
    "sfa_actor", default=SYSTEM
)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _acting.set(actor)
    try:
        yield actor
    finally:
        _acting.reset(token)


def current_actor() -> Actor:
    return _acting.get()


class DomainError(Exception):
    """A request the domain refuses. ``rule`` is a stable, documented name."""

    rule = "domain_error"

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule or type(self).rule


class RuleBroken(DomainError):
    rule = "rule_broken"


def check(condition: bool, rule: str, message: str) -> None:
    """Refuse with ``RuleBroken(rule)`` unless ``condition`` holds."""
    if not condition:
        raise RuleBroken(message, rule=rule)


class SalesAggregate(Aggregate):
    """Base of every aggregate of the sales domain."""

    class Event(Aggregate.Event):
        actor: str = field(default_factory=lambda: _acting.get().name, kw_only=True)
        correlation_id: UUID | None = field(
            default_factory=lambda: _acting.get().correlation_id, kw_only=True
        )
        causation_id: UUID | None = field(
            default_factory=lambda: _acting.get().causation_id, kw_only=True
        )

    class Created(Event, Aggregate.Created):
        pass


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


_PUBLIC_TYPES: dict[type[Any], str] = {}


def public_type(event_class: type[Any]) -> str:
    """``sfa.<aggregate>.<event>.v<N>``: the stable name other services see
    (cached: views and the relay ask it for every event)."""
    found = _PUBLIC_TYPES.get(event_class)
    if found is None:
        aggregate, _, event_name = event_class.__qualname__.rpartition(".")
        version = getattr(event_class, "class_version", 1)
        found = f"sfa.{_snake(aggregate)}.{_snake(event_name)}.v{version}"
        _PUBLIC_TYPES[event_class] = found
    return found
