"""The tamper-evident ledger: a hash chain over the global log.

What must hold:

- Every event recorded is sealed at insert time, inside the recorder's
  serialised write, by ``hash = sha256(previous hash || canonical bytes)``.
  The canonical bytes are the stored event as written, each field framed so
  that no two events share them: position (int8, big-endian), aggregate id
  (16 bytes), version (int8), then the topic (UTF-8) and the state (the event's
  id, timestamp and data, exactly as stored), each after its length (int4).
  The first event chains from 32 zero bytes (``GENESIS``).
- The PostgreSQL insert function computes the same bytes in SQL
  (``infra.pg_schema``); SQLite computes them here (``infra.sqlite``).
- Every ``CHECKPOINT_EVERY`` positions (default 1,000) a checkpoint
  (position, hash) is recorded in ``<events table>_checkpoints``; a copy held
  outside the database (``sfa.audit.checkpoints`` once the relay publishes
  it) anchors the chain against a rewrite of the whole table.
- ``verify`` recomputes the chain from the stored bytes and names the first
  position whose event is missing, altered or moved, or whose checkpoint no
  longer matches.
- Rows recorded before the ledger existed have no stored hash: the first
  write after the upgrade seals them (their chain is computed then and
  recorded as a ``legacy`` checkpoint at the last of them); verify recomputes
  their chain and checks it against that checkpoint.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

GENESIS = bytes(32)
CHECKPOINT_EVERY = 1000
CHECKPOINT_ENV = "SFA_AUDIT_CHECKPOINT_EVERY"

_head = struct.Struct(">q16sq").pack
_len = struct.Struct(">i").pack
_sha256 = hashlib.sha256


def canonical(
    position: int, originator_id: UUID, version: int, topic: str, state: bytes
) -> bytes:
    """The bytes an event's hash covers (see the module docstring)."""
    topic_bytes = topic.encode()
    return b"".join(
        (
            _head(position, originator_id.bytes, version),
            _len(len(topic_bytes)),
            topic_bytes,
            _len(len(state)),
            state,
        )
    )


def chain(
    previous: bytes,
    position: int,
    originator_id: UUID,
    version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """The hash of one event, chained on the hash before it."""
    return _sha256(
        previous + canonical(position, originator_id, version, topic, state)
    ).digest()


@dataclass(frozen=True)
class SealedRow:
    """One row of the log as stored, with its stored hash (None: legacy)."""

    position: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes
    hash: bytes | None


@dataclass(frozen=True)
class Checkpoint:
    """A sealed point of the chain: the hash of the event at ``position``.
    ``kind`` is ``periodic`` (every N positions) or ``legacy`` (the last row
    recorded before the ledger existed)."""

    position: int
    hash: bytes
    kind: str
    recorded_at: datetime | str | None = None


class LedgerReader(Protocol):
    """What a recorder offers the verifier (both stores implement it)."""

    def select_sealed(self, after: int, stop: int, limit: int) -> list[SealedRow]: ...

    def select_checkpoints(self, after: int = 0, limit: int = 1000) -> list[Checkpoint]:
        """Checkpoints above position ``after``, in position order."""
        ...

    def last_checkpoint(self, upto: int) -> Checkpoint | None:
        """The checkpoint at the highest position not above ``upto``."""
        ...

    def max_notification_id(self) -> int | None: ...


@dataclass(frozen=True)
class Verdict:
    """``intact``: every event from ``start`` to ``position`` matched, the
    last one hashing to ``hash``. Otherwise ``position`` is the first that
    does not match, and ``reason`` says why."""

    intact: bool
    start: int
    position: int
    hash: str
    checked: int
    reason: str | None = None
    checkpoints_checked: int = 0

    def describe(self) -> str:
        if self.intact:
            return (
                f"intact from position {self.start} up to position "
                f"{self.position}, hash {self.hash} ({self.checked:,} events, "
                f"{self.checkpoints_checked:,} checkpoints)"
            )
        return f"broken at position {self.position}: {self.reason}"


Progress = Callable[[int, int], None]
PAGE = 5000


class _Walk:
    """The chain recomputed row by row; stops at the first mismatch."""

    def __init__(self, start: int, previous: bytes, checkpoints: dict[int, Checkpoint]):
        self.start = start
        self.expected = start
        self.previous = previous
        self.checkpoints = checkpoints
        self.legacy_upto = max(
            (c.position for c in checkpoints.values() if c.kind == "legacy"), default=0
        )
        self.checked = 0
        self.anchors = 0

    def step(self, row: SealedRow) -> str | None:
        if row.position != self.expected:
            return (
                f"event missing: expected position {self.expected}, "
                f"found {row.position} next (deleted or renumbered)"
            )
        computed = chain(
            self.previous,
            row.position,
            row.originator_id,
            row.version,
            row.topic,
            row.state,
        )
        problem = self._compare(row, computed)
        if problem:
            return problem
        self.previous = computed
        self.expected += 1
        self.checked += 1
        return None

    def _compare(self, row: SealedRow, computed: bytes) -> str | None:
        if row.hash is None and row.position > self.legacy_upto:
            return "event has no stored hash after the ledger began"
        if row.hash is not None and row.hash != computed:
            return (
                f"event {row.originator_id} v{row.version} no longer matches "
                "its seal: its bytes were altered, or it was moved from "
                "another position"
            )
        checkpoint = self.checkpoints.get(row.position)
        if checkpoint is not None:
            if checkpoint.hash != computed:
                return (
                    f"{checkpoint.kind} checkpoint at {row.position} records "
                    f"{checkpoint.hash.hex()}, the chain gives {computed.hex()}"
                )
            self.anchors += 1
        return None


def verify(
    reader: LedgerReader,
    start: int | None = None,
    stop: int | None = None,
    progress: Progress | None = None,
    page: int = PAGE,
) -> Verdict:
    """Recomputes the chain over positions ``start``..``stop`` (default: the
    whole log). It starts from the nearest checkpoint before ``start`` (its
    recorded hash anchors the chain), or from the genesis."""
    head = reader.max_notification_id() or 0
    stop = head if stop is None else min(stop, head)
    start = max(start or 1, 1)
    anchor = _anchor(reader, start)
    begin = anchor.position + 1 if anchor else 1
    checkpoints = {c.position: c for c in _checkpoints(reader, begin - 1, stop)}
    walk = _Walk(begin, anchor.hash if anchor else GENESIS, checkpoints)
    total = max(stop - begin + 1, 0)
    for row in _rows(reader, begin - 1, stop, page, walk, progress, total):
        problem = walk.step(row)
        if problem:
            where = min(row.position, walk.expected)
            return Verdict(False, begin, where, "", walk.checked, problem)
    if walk.expected <= stop:
        reason = f"event missing: the log ends at {walk.expected - 1}"
        return Verdict(False, begin, walk.expected, "", walk.checked, reason)
    if progress:
        progress(total, total)
    return Verdict(
        True, begin, stop, walk.previous.hex(), walk.checked, None, walk.anchors
    )


def _rows(
    reader: LedgerReader,
    after: int,
    stop: int,
    page: int,
    walk: _Walk,
    progress: Progress | None,
    total: int,
) -> Iterator[SealedRow]:
    while after < stop:
        rows = reader.select_sealed(after, stop, page)
        if not rows:
            return
        yield from rows
        after = rows[-1].position
        if progress:
            progress(walk.checked, total)


def _anchor(reader: LedgerReader, start: int) -> Checkpoint | None:
    """The last checkpoint before ``start``: where a partial verify begins."""
    return reader.last_checkpoint(start - 1) if start > 1 else None


def _checkpoints(reader: LedgerReader, after: int, stop: int) -> Iterable[Checkpoint]:
    while True:
        found = reader.select_checkpoints(after, 1000)
        for checkpoint in found:
            if checkpoint.position > stop:
                return
            yield checkpoint
        if len(found) < 1000:
            return
        after = found[-1].position


def seal(
    previous: bytes, head: int, rows: Sequence[tuple[UUID, int, str, bytes]]
) -> list[bytes]:
    """The hashes of events about to be recorded at head+1, head+2, …"""
    hashes = []
    for n, (originator_id, version, topic, state) in enumerate(rows, start=1):
        previous = chain(previous, head + n, originator_id, version, topic, state)
        hashes.append(previous)
    return hashes


def due_checkpoints(head: int, count: int, every: int) -> list[int]:
    """Indexes (0-based) into a write of ``count`` events at head+1.. whose
    positions are multiples of ``every``."""
    first = (head // every + 1) * every
    return [p - head - 1 for p in range(first, head + count + 1, every)]
