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
  outside the database (the relay publishes them to
  ``<prefix>.audit.checkpoints``; ``infra.ledger_anchor`` compares a copy)
  anchors the chain against a rewrite of the whole table.
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
from collections.abc import Callable, Iterable, Sequence
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


CanonicalRow = tuple[int, bytes, bytes | None]  # position, canonical, stored hash


class LedgerReader(Protocol):
    """What a recorder offers the verifier (both stores implement it)."""

    def select_canonical(self, after: int, stop: int, limit: int) -> list[CanonicalRow]:
        """(position, canonical bytes, stored hash) of rows above ``after`` up
        to ``stop``, built from the stored columns as they are now."""
        ...

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
    """The chain recomputed page by page; stops at the first mismatch.

    Pages are (position, canonical bytes, stored hash) rows: the loop does
    one hash and a few comparisons per event."""

    def __init__(
        self,
        reader: LedgerReader,
        start: int,
        previous: bytes,
        checkpoints: dict[int, Checkpoint],
    ):
        self.reader = reader
        self.expected = start
        self.previous = previous
        self.checkpoints = checkpoints
        self.legacy_upto = max(
            (c.position for c in checkpoints.values() if c.kind == "legacy"), default=0
        )
        self.checked = 0
        self.anchors = 0

    def page(self, rows: Sequence[CanonicalRow]) -> tuple[int, str] | None:
        """The first bad position in ``rows`` and why; None: all matched."""
        expected, previous = self.expected, self.previous
        legacy, marks = self.legacy_upto, self.checkpoints
        try:
            for position, canonical_bytes, stored in rows:
                if position != expected:
                    return expected, _missing(expected, position)
                computed = _sha256(previous + canonical_bytes).digest()
                if stored != computed and (stored is not None or position > legacy):
                    return position, self._mismatch(position, stored)
                if position in marks:
                    problem = self._checkpoint(marks[position], computed)
                    if problem:
                        return position, problem
                previous = computed
                expected += 1
            return None
        finally:
            self.checked += expected - self.expected
            self.expected, self.previous = expected, previous

    def _mismatch(self, position: int, stored: bytes | None) -> str:
        if stored is None:
            return "event has no stored hash after the ledger began"
        rows = self.reader.select_sealed(position - 1, position, 1)
        what = f"event {rows[0].originator_id} v{rows[0].version}" if rows else "event"
        return (
            f"{what} no longer matches its seal: its bytes were altered, "
            "or it was moved from another position"
        )

    def _checkpoint(self, checkpoint: Checkpoint, computed: bytes) -> str | None:
        if checkpoint.hash != computed:
            return (
                f"{checkpoint.kind} checkpoint at {checkpoint.position} records "
                f"{checkpoint.hash.hex()}, the chain gives {computed.hex()}"
            )
        self.anchors += 1
        return None


def _missing(expected: int, found: int) -> str:
    return (
        f"event missing: expected position {expected}, found {found} next "
        "(deleted or renumbered)"
    )


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
    walk = _Walk(reader, begin, anchor.hash if anchor else GENESIS, checkpoints)
    total = max(stop - begin + 1, 0)
    after = begin - 1
    while after < stop:
        # A page asks for a range of positions, not for "the next N": the log
        # is gapless, and a bounded range keeps the database on the index.
        rows = reader.select_canonical(after, min(stop, after + page), page)
        if not rows:
            break
        problem = walk.page(rows)
        if problem:
            return Verdict(False, begin, problem[0], "", walk.checked, problem[1])
        after = rows[-1][0]
        if progress:
            progress(walk.checked, total)
    if walk.expected <= stop:
        reason = f"event missing: the log ends at {walk.expected - 1}"
        return Verdict(False, begin, walk.expected, "", walk.checked, reason)
    if progress:
        progress(total, total)
    return Verdict(
        True, begin, stop, walk.previous.hex(), walk.checked, None, walk.anchors
    )


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
