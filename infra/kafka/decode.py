"""CloudEvents back into domain events, for views fed from Kafka.

What must hold: the event a view gets equals the one the log gives it (same
class, same field values and types): ``data`` is validated into the types
the event class declares (infra/kafka/schemas.py: the same definition the
schemas come from), the envelope supplies id, version, time, actor and the
why-chain. A type this code does not know (a newer version) is ``None``.
- Personal data is published sealed (``infra.personal_data``): the fields
  read ``[erased]`` / ``[]`` and the values travel in ``_personal``. Given
  the application's sealing mapper, the box is opened with the key table
  exactly as reading the log opens it (the mapper's own code), so a sealed
  event comes back with its values, or erased (and naming its erased fields
  in ``erased``) once its subject is forgotten, as from the log. Without
  such a mapper a sealed event reads as if its key were destroyed.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper
from eventsourcing.utils import get_topic

from domain.personal import ERASED_FIELD
from infra.kafka.schemas import catalogue
from infra.personal_data import BOX, PersonalDataMapper


def _uuid(value: Any) -> UUID | None:
    return None if value is None else UUID(str(value))


def _as_logged(value: Any) -> Any:
    """Sequences as lists, as the log's JSON transcoder gives them back."""
    if isinstance(value, tuple | list):
        return [_as_logged(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_logged(v) for k, v in value.items()}
    return value


def domain_event(doc: dict[str, Any], mapper: Mapper[UUID] | None = None) -> Any:
    """The domain event a structured CloudEvent carries, or None if unknown;
    ``mapper``: the application's, to open sealed personal data."""
    schema = catalogue().get(doc["type"])
    if schema is None:
        return None
    cls = schema.event_class
    data = schema.model().model_validate(doc["data"])
    values = {name: _as_logged(getattr(data, name)) for name in schema.fields()}
    record, version = UUID(doc["subject"]), int(doc["sequence"])
    _open(cls, record, version, values, doc["data"].get(BOX), mapper)
    erased = values.pop(ERASED_FIELD, None)
    envelope: dict[str, Any] = {
        "originator_id": record,
        "originator_version": version,
        "timestamp": datetime.fromisoformat(doc["time"].replace("Z", "+00:00")),
        "actor": doc.get("actor"),
        "correlation_id": _uuid(doc.get("correlationid")),
        "causation_id": _uuid(doc.get("causationid")),
    }
    if "originator_topic" in {f.name for f in dataclasses.fields(cls)}:
        envelope["originator_topic"] = get_topic(cls).rsplit(".", 1)[0]
    event = cls(**envelope, **values)
    if erased is not None:
        object.__setattr__(event, ERASED_FIELD, erased)
    return event


def _open(
    cls: type[Any],
    record: UUID,
    version: int,
    values: dict[str, Any],
    box: Any,
    mapper: Mapper[UUID] | None,
) -> None:
    """``values`` as the log's decoding leaves them: the box opened (or the
    fields named erased), an unsealed event of a forgotten subject erased."""
    if isinstance(mapper, PersonalDataMapper):
        if box is not None:
            values[BOX] = box
        mapper.open_state(cls, record, version, values)
    elif box is not None:
        values[ERASED_FIELD] = list(box["fields"])
