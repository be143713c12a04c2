"""Where a benchmark run's JSON goes: ``benchmarks/results/<name>-<UTC>.json``
(not committed)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def save(name: str, record: dict[str, Any], started: datetime) -> Path:
    """Writes ``record`` for the run of ``name`` begun at ``started``."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path
