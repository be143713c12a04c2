"""Reading the log for auditors: one record's history, its state as of a
version or a moment, and the global log with filters.

What must hold:

- Events are shown as the application decodes them (its mapper: the same
  transcoding, upcasting and decryption as a command's load), with their
  public type name and recorded position; Python module paths never leak.
- A state as of version N equals replaying the record's first N events (the
  repository may start from a snapshot at or below N; the answer is the same).
- A state as of a moment is the state at the last version whose event
  occurred at or before it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Notification
from eventsourcing.utils import resolve_topic
from pydantic_core import to_jsonable_python

from commands import base as commands_base
from commands.application import SalesApplication
from domain.base import public_type

# Fields every event has; they are shown as columns, not as data.
_ENVELOPE = frozenset(
    {
        "originator_id",
        "originator_version",
        "timestamp",
        "actor",
        "correlation_id",
        "causation_id",
        "originator_topic",
    }
)


class NotFound(commands_base.NotFound):
    """No record with that id, or it did not exist yet at that version/time."""


@dataclass(frozen=True)
class AuditEvent:
    position: int
    aggregate_id: UUID
    aggregate_type: str
    version: int
    type: str
    occurred_at: datetime
    actor: str | None
    correlation_id: UUID | None
    causation_id: UUID | None
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (ids and times as strings, decimals as strings)."""
        value: dict[str, Any] = to_jsonable_python(vars(self))
        return value


@cache
def _public(topic: str) -> tuple[str, str]:
    """(public type, aggregate type) of a stored topic."""
    name = public_type(resolve_topic(topic))
    return name, name.split(".")[1]


def describe(app: SalesApplication, notification: Notification) -> AuditEvent:
    event = app.mapper.to_domain_event(notification)
    name, aggregate_type = _public(notification.topic)
    values = vars(event)
    return AuditEvent(
        position=notification.id,
        aggregate_id=UUID(str(notification.originator_id)),
        aggregate_type=aggregate_type,
        version=notification.originator_version,
        type=name,
        occurred_at=values["timestamp"],
        actor=values.get("actor"),
        correlation_id=values.get("correlation_id"),
        causation_id=values.get("causation_id"),
        data={k: v for k, v in values.items() if k not in _ENVELOPE},
    )


def stream(app: SalesApplication, record_id: UUID) -> list[AuditEvent]:
    """Every event of one record, in version order; NotFound if none."""
    found = app.recorder.select_stream(record_id)  # type: ignore[attr-defined]
    if not found:
        raise NotFound(f"no record {record_id}")
    return [describe(app, n) for n in found]


@dataclass(frozen=True)
class RecordState:
    id: UUID
    type: str
    version: int
    created_on: datetime
    modified_on: datetime
    state: dict[str, Any]


def state_at(
    app: SalesApplication,
    record_id: UUID,
    *,
    version: int | None = None,
    as_of: datetime | None = None,
) -> RecordState:
    """The record as it stood at ``version``, or at ``as_of``, or now."""
    if as_of is not None:
        version = version_at(app, record_id, as_of)
    try:
        aggregate: Any = app.repository.get(record_id, version=version)
    except AggregateNotFoundError as e:
        raise NotFound(f"no record {record_id} at version {version}") from e
    if version is not None and aggregate.version < version:
        raise NotFound(f"record {record_id} has {aggregate.version} versions")
    return RecordState(
        id=aggregate.id,
        type=_public(_created_topic(app, record_id))[1],
        version=aggregate.version,
        created_on=aggregate.created_on,
        modified_on=aggregate.modified_on,
        state=_public_fields(aggregate),
    )


def _public_fields(aggregate: Any) -> dict[str, Any]:
    """The record's fields as JSON values: a snapshot gives back tuples as
    lists, and the answer must not depend on whether one was used."""
    fields = {k: v for k, v in vars(aggregate).items() if not k.startswith("_")}
    value: dict[str, Any] = to_jsonable_python(fields)
    return value


def _created_topic(app: SalesApplication, record_id: UUID) -> str:
    first = app.recorder.select_events(record_id, limit=1)
    return first[0].topic


def version_at(app: SalesApplication, record_id: UUID, as_of: datetime) -> int:
    """The last version whose event occurred at or before ``as_of``.

    A record's events occur in version order (each is created after the one
    before), so this bisects: it decodes about log2(versions) events."""
    stored = app.recorder.select_events(record_id)

    def occurred(index: int) -> datetime:
        event: Any = app.mapper.to_domain_event(stored[index])
        return event.timestamp  # type: ignore[no-any-return]

    count = bisect_right(range(len(stored)), as_of, key=occurred)
    if count == 0:
        raise NotFound(f"record {record_id} did not exist at {as_of.isoformat()}")
    return int(stored[count - 1].originator_version)


@dataclass(frozen=True)
class LogFilter:
    """Which events of the global log to show; all given fields must match.
    ``since`` is inclusive, ``until`` exclusive (``occurred_at``)."""

    aggregate_type: str | None = None
    event_type: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, event: AuditEvent) -> bool:
        return (
            (self.aggregate_type in (None, event.aggregate_type))
            and (self.event_type in (None, event.type))
            and (self.actor in (None, event.actor))
            and (self.since is None or event.occurred_at >= self.since)
            and (self.until is None or event.occurred_at < self.until)
        )


@dataclass
class LogPage:
    items: list[AuditEvent] = field(default_factory=list)
    scanned_to: int = 0  # the last position looked at: the next page's `after`
    head: int = 0


def log_page(
    app: SalesApplication,
    after: int,
    limit: int,
    where: LogFilter | None = None,
    scan: int = 10_000,
) -> LogPage:
    """Up to ``limit`` matching events above ``after``, looking at no more
    than ``scan`` events (a filter that matches rarely returns early, with
    ``scanned_to`` to continue from)."""
    where = where or LogFilter()
    page = LogPage(scanned_to=after, head=app.recorder.max_notification_id() or 0)
    for notification in _notifications(app, after, page.head, scan):
        page.scanned_to = notification.id
        event = describe(app, notification)
        if where.matches(event):
            page.items.append(event)
            if len(page.items) >= limit:
                break
    return page


def _notifications(
    app: SalesApplication, after: int, stop: int, scan: int, size: int = 1000
) -> Iterator[Notification]:
    while scan > 0 and after < stop:
        limit = min(size, scan)  # a bounded range keeps PostgreSQL on the index
        found = app.recorder.select_notifications(
            after, limit, stop=min(stop, after + limit), inclusive_of_start=False
        )
        if not found:
            return
        yield from found
        scan -= len(found)
        after = found[-1].id
