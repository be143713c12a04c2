"""Comparing checkpoints kept outside the database with the ledger.

What must hold:
- A kept checkpoint is read as the relay publishes it (a CloudEvent of type
  ``sfa.audit.checkpoint.v1``, its ``data`` holding position and hash) or as
  ``GET /audit/checkpoints`` lists it (``{"position", "hash", …}``); a file
  holds JSON Lines, one JSON array or one document.
- Each kept checkpoint must still be in the database at its position with the
  same hash. ``verify`` has checked the database's checkpoints against the
  recomputed chain, so together they prove the chain up to that position is
  the one the copy saw; a kept position beyond the log's head means events
  were deleted from the tail, which the chain alone cannot show.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from infra.ledger import LedgerReader


class BadCopy(ValueError):
    """The kept checkpoints cannot be read."""


@dataclass(frozen=True)
class Kept:
    position: int
    hash: str


def read_kept(text: str) -> list[Kept]:
    """The checkpoints in ``text`` (JSON Lines, an array or one document)."""
    stripped = text.strip()
    try:
        if stripped.startswith("["):
            items = json.loads(stripped)
        else:
            items = [json.loads(line) for line in stripped.splitlines() if line.strip()]
    except json.JSONDecodeError as e:
        raise BadCopy(f"not JSON: {e}") from e
    return [_kept(item) for item in items]


def _kept(item: Any) -> Kept:
    body: Any = item.get("data", item) if isinstance(item, dict) else None
    try:
        position, digest = int(body["position"]), str(body["hash"]).lower()
        bytes.fromhex(digest)
    except (KeyError, TypeError, ValueError) as e:
        raise BadCopy(f"not a checkpoint (position, hash): {item!r:.120}") from e
    return Kept(position, digest)


def compare(reader: LedgerReader, kept: Iterable[Kept]) -> list[str]:
    """What disagrees between the kept checkpoints and the database (empty:
    every kept checkpoint is still there, unchanged)."""
    head = reader.max_notification_id() or 0
    problems = []
    for copy in sorted(set(kept), key=lambda k: k.position):
        if copy.position > head:
            problems.append(
                f"kept checkpoint at {copy.position} is beyond the log's head "
                f"({head}): events were removed from the tail"
            )
            continue
        found = reader.last_checkpoint(copy.position)
        if found is None or found.position != copy.position:
            problems.append(f"kept checkpoint at {copy.position} is not recorded")
        elif found.hash.hex() != copy.hash:
            problems.append(
                f"kept checkpoint at {copy.position} holds {copy.hash}, "
                f"the database records {found.hash.hex()}"
            )
    return problems
