"""The ledger's checkpoints as CloudEvents on ``<prefix>.audit.checkpoints``.

What must hold:
- A checkpoint is published only once every event up to its position has
  been acknowledged by the broker (the relay passes its saved position), so a
  subscriber holding a checkpoint holds the events it seals.
- In position order, at least once: every record has the same key (one
  partition), the progress (``kafka_relay.<prefix>.checkpoints``) is saved
  only after the broker acknowledged, and a restart resumes there.
- ``id`` is the same every time a checkpoint is published (a UUID 5 of
  ``checkpoint/<position>``), so a subscriber deduplicates on it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from infra.kafka.cloudevents import Message, _dumps, event_id, headers, json_default
from infra.ledger import Checkpoint
from infra.view_store import ViewStore

CHECKPOINT_TYPE = "sfa.audit.checkpoint.v1"
CHECKPOINT_KEY = b"ledger"
PAGE = 1000  # checkpoints read and sent at a time


def checkpoint_topic(prefix: str) -> str:
    return f"{prefix}.audit.checkpoints"


def _time(value: datetime | str | None) -> str | None:
    """ISO 8601 in UTC with ``Z`` (SQLite stores UTC text without a zone)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        value = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    text: str = json_default(value)
    return text


def checkpoint_document(checkpoint: Checkpoint, prefix: str) -> dict[str, Any]:
    """The structured-mode CloudEvent of one checkpoint."""
    recorded = _time(checkpoint.recorded_at)
    return {
        "specversion": "1.0",
        "id": event_id("checkpoint", checkpoint.position),
        "source": f"/{prefix}",
        "type": CHECKPOINT_TYPE,
        "subject": str(checkpoint.position),
        "time": recorded,
        "datacontenttype": "application/json",
        "sequence": checkpoint.position,
        "position": checkpoint.position,
        "actor": None,
        "correlationid": None,
        "causationid": None,
        "data": {
            "position": checkpoint.position,
            "hash": checkpoint.hash.hex(),
            "kind": checkpoint.kind,
            "recorded_at": recorded,
        },
    }


def checkpoint_message(checkpoint: Checkpoint, prefix: str) -> Message:
    doc = checkpoint_document(checkpoint, prefix)
    return Message(
        topic=checkpoint_topic(prefix),
        key=CHECKPOINT_KEY,
        value=_dumps(doc).encode(),
        headers=headers(doc),
        position=checkpoint.position,
        id=doc["id"],
    )


class CheckpointFeed:
    """Which checkpoints are due, and the saved progress of publishing them."""

    def __init__(self, recorder: Any, store: ViewStore, prefix: str) -> None:
        self.recorder = recorder
        self.store = store
        self.prefix = prefix
        self.topic = checkpoint_topic(prefix)
        self.tracking_name = f"kafka_relay.{prefix}.checkpoints"

    def position(self) -> int:
        return self.store.position(self.tracking_name)

    def due(self, upto: int) -> list[Message]:
        """The next unpublished checkpoints at or below ``upto`` (events
        acknowledged), in order; none if the recorder keeps no ledger."""
        select = getattr(self.recorder, "select_checkpoints", None)
        if select is None:
            return []
        found: list[Checkpoint] = select(self.position(), PAGE)
        return [checkpoint_message(c, self.prefix) for c in found if c.position <= upto]

    def save(self, position: int) -> None:
        with self.store.transaction() as cursor:
            self.store.save_position(cursor, self.tracking_name, position)
