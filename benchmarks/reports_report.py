"""bench_reports' results: the printed table and the JSON."""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

TARGETS_MS = {"now": 100.0, "control": 100.0, "as of": 2000.0}


@dataclass(frozen=True)
class Timing:
    name: str
    p50_ms: float
    p99_ms: float
    samples: int


def target_of(name: str) -> float | None:
    if name.startswith("baseline"):
        return None
    if "as of" in name:
        return TARGETS_MS["as of"]
    return TARGETS_MS["control" if name.startswith("control") else "now"]


def report(
    events: int,
    reps: int,
    head: int,
    record_rate: float,
    rates: dict[str, float],
    timings: list[Timing],
) -> dict[str, Any]:
    base = timings[0].p50_ms
    lines = [
        f"bench_reports {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}:"
        f" {head:,} events, {reps} reps (recorded at {record_rate:,.0f} ev/s)",
        "catch-up from 0, events/s: "
        + ", ".join(f"{name} {rate:,.0f}" for name, rate in rates.items()),
        f"{'read':<48}{'p50 ms':>9}{'p99 ms':>9}{'p99/base':>10}{'target':>9}",
    ]
    rows = []
    for t in timings:
        target = target_of(t.name)
        ok = "" if target is None else ("ok" if t.p99_ms < target else "MISSED")
        lines.append(
            f"{t.name:<48}{t.p50_ms:>9.2f}{t.p99_ms:>9.2f}"
            f"{t.p99_ms / base:>10.1f}{ok:>9}"
        )
        rows.append(
            asdict(t) | {"target_ms": target, "p99_vs_baseline": t.p99_ms / base}
        )
    text = "\n".join(lines) + "\n"
    data = {"events": head, "asked": events, "reps": reps, "reads": rows}
    return {"text": text, "json": data | {"catch_up_rate": rates}}
