"""CloudEvents 1.0 messages built straight from stored events.

What must hold:
- A message is built from the stored record alone: its topic names the event
  class (for the public type and the aggregate), its state is decoded by the
  transcoder and never turned back into a domain object. Fields stored in an
  encrypted form (crypto-shredding) are published in that form, as stored.
- ``id`` is the same every time an event is published (a UUID 5 of the
  aggregate id and version), so a consumer deduplicating on it sees each
  event once however often the relay re-sends it.
- Python module paths never leave: ``type`` is the public type name
  (``sfa.contact.registered.v1``) and the Kafka topic is
  ``<prefix>.<aggregate>``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import resolve_topic

from domain.base import public_type

NAMESPACE = UUID("5f6b7a3e-2c1d-5e8f-9a0b-1c2d3e4f5a6b")
_NAMESPACE_BYTES = NAMESPACE.bytes
CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"
# stored fields that go in the envelope, or stay inside (a Python path)
ENVELOPE = frozenset(
    {"timestamp", "originator_topic", "actor", "correlation_id", "causation_id"}
)


def event_id(aggregate_id: UUID | str, version: int) -> str:
    """The stable CloudEvents ``id`` of one stored event: the UUID 5 of
    ``"<aggregate id>/<version>"`` in ``NAMESPACE`` (as ``uuid.uuid5`` makes
    it, without building UUID objects: this runs for every event sent)."""
    name = f"{aggregate_id}/{version}".encode()
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def json_default(value: Any) -> Any:
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot publish a {type(value).__name__}")


@dataclass(frozen=True)
class Message:
    """One Kafka record: what the relay sends for one stored event."""

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    position: int
    id: str


@dataclass(frozen=True)
class EventType:
    public: str  # sfa.contact.registered.v1
    aggregate: str  # contact


def event_type(topic: str) -> EventType:
    """The public names of a stored event's class, from its library topic."""
    cls = resolve_topic(topic)
    name = public_type(cls)
    return EventType(name, name.split(".")[1])


class CloudEventEncoder:
    """Stored events to Kafka messages under ``<prefix>.<aggregate>``."""

    def __init__(self, mapper: Mapper[UUID], prefix: str = "sfa") -> None:
        self.mapper = mapper
        self.prefix = prefix
        self.source = f"/{prefix}"
        self._types: dict[str, EventType] = {}

    def kafka_topic(self, stored_topic: str) -> str:
        return f"{self.prefix}.{self._type(stored_topic).aggregate}"

    def _type(self, stored_topic: str) -> EventType:
        found = self._types.get(stored_topic)
        if found is None:
            found = self._types[stored_topic] = event_type(stored_topic)
        return found

    def state(self, notification: Notification) -> dict[str, Any]:
        """The stored state, decoded (decrypted and decompressed first if the
        application encrypts or compresses whole records)."""
        data = notification.state
        if self.mapper.cipher:
            data = self.mapper.cipher.decrypt(data)
        if self.mapper.compressor:
            data = self.mapper.compressor.decompress(data)
        state: dict[str, Any] = self.mapper.transcoder.decode(data)
        return state

    def document(self, notification: Notification) -> dict[str, Any]:
        """The structured-mode CloudEvent of one stored event (envelope
        values already as they are sent: text and integers)."""
        kind = self._type(notification.topic)
        state = self.state(notification)
        subject = str(notification.originator_id)
        timestamp = state.get("timestamp")
        return {
            "specversion": "1.0",
            "id": event_id(subject, notification.originator_version),
            "source": self.source,
            "type": kind.public,
            "subject": subject,
            "time": json_default(timestamp) if timestamp else None,
            "datacontenttype": "application/json",
            "sequence": notification.originator_version,
            "position": notification.id,
            "actor": state.get("actor"),
            "correlationid": _text(state.get("correlation_id")),
            "causationid": _text(state.get("causation_id")),
            "data": {k: v for k, v in state.items() if k not in ENVELOPE},
        }

    def message(self, notification: Notification) -> Message:
        doc = self.document(notification)
        value = _dumps(doc)
        return Message(
            topic=self.kafka_topic(notification.topic),
            key=doc["subject"].encode(),
            value=value.encode(),
            headers=headers(doc),
            position=notification.id,
            id=doc["id"],
        )


_dumps = json.JSONEncoder(default=json_default, separators=(",", ":")).encode


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


_CONTENT_TYPE = ("content-type", CONTENT_TYPE.encode())
_HEADERS = tuple(
    (name, f"ce_{name}")
    for name in (
        "specversion",
        "id",
        "source",
        "type",
        "subject",
        "time",
        "sequence",
        "position",
        "actor",
        "correlationid",
        "causationid",
    )
)


def headers(doc: dict[str, Any]) -> list[tuple[str, bytes]]:
    """The Kafka protocol binding's ``ce_*`` headers and ``content-type``
    (envelope values are text or integers; an absent one has no header)."""
    found = [_CONTENT_TYPE]
    for name, header in _HEADERS:
        value = doc[name]
        if value is not None:
            found.append((header, str(value).encode()))
    return found
