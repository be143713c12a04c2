"""CloudEvents back into domain events, for views fed from Kafka.

What must hold: the event a view gets equals the one the log gives it (same
class, same field values and types): ``data`` is validated into the types
the event class declares (infra/kafka/schemas.py: the same definition the
schemas come from), the envelope supplies id, version, time, actor and the
why-chain. A type this code does not know (a newer version) is ``None``.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from infra.kafka.schemas import catalogue


def _uuid(value: Any) -> UUID | None:
    return None if value is None else UUID(str(value))


def _as_logged(value: Any) -> Any:
    """Sequences as lists, as the log's JSON transcoder gives them back."""
    if isinstance(value, tuple | list):
        return [_as_logged(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_logged(v) for k, v in value.items()}
    return value


def domain_event(doc: dict[str, Any]) -> Any | None:
    """The domain event a structured CloudEvent carries, or None if unknown."""
    schema = catalogue().get(doc["type"])
    if schema is None:
        return None
    cls = schema.event_class
    data = schema.model().model_validate(doc["data"])
    values = {name: _as_logged(getattr(data, name)) for name in schema.fields()}
    envelope: dict[str, Any] = {
        "originator_id": UUID(doc["subject"]),
        "originator_version": int(doc["sequence"]),
        "timestamp": datetime.fromisoformat(doc["time"].replace("Z", "+00:00")),
        "actor": doc.get("actor"),
        "correlation_id": _uuid(doc.get("correlationid")),
        "causation_id": _uuid(doc.get("causationid")),
    }
    if "originator_topic" in {f.name for f in dataclasses.fields(cls)}:
        envelope["originator_topic"] = get_topic(cls).rsplit(".", 1)[0]
    return cls(**envelope, **values)
