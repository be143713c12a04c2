"""bench_store's results: ratios, the printed table and the JSON record."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.store_contenders import Contender
from benchmarks.store_workload import Measurement

PACKAGES = (
    "eventsourcing",
    "eventsourcing-sqlalchemy",
    "psycopg",
    "psycopg-pool",
    "psycopg2-binary",
    "SQLAlchemy",
)


@dataclass(frozen=True)
class Outcome:
    """One contender on one figure: a measurement, or why there is none."""

    status: str  # "ok", or "unavailable (...)", "error (...)", "skipped (...)"
    measurement: Measurement | None = None
    samples: tuple[Measurement, ...] = ()  # every pass, when several were timed

    @property
    def rate(self) -> float | None:
        """events/s, only for a run whose result checked out."""
        if self.status != "ok" or self.measurement is None:
            return None
        return self.measurement.events_per_s


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    outcomes: dict[str, Outcome]

    def best_peer(self, contenders: tuple[Contender, ...]) -> str | None:
        """The fastest library contender that produced a figure."""
        peers = [
            (rate, c.key)
            for c in contenders
            if c.kind == "library" and (rate := self.outcomes[c.key].rate)
        ]
        return max(peers)[1] if peers else None

    def raw_key(self, contenders: tuple[Contender, ...]) -> str | None:
        keys = [c.key for c in contenders if c.kind == "raw"]
        return keys[0] if keys and self.outcomes[keys[0]].rate else None

    def ratio(self, key: str, other: str | None) -> float | None:
        rate = self.outcomes[key].rate
        base = self.outcomes[other].rate if other else None
        return rate / base if rate and base else None


def machine_info(server: dict[str, str]) -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "postgresql": server,
        "packages": {name: _version(name) for name in PACKAGES},
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _fmt_ratio(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def _row(name: str, figure: Figure, key: str, bases: tuple[str | None, ...]) -> str:
    outcome = figure.outcomes[key]
    if outcome.rate is None:
        return f"  {name:<50} {outcome.status}"
    ratios = [_fmt_ratio(figure.ratio(key, base)) for base in bases]
    return f"  {name:<50} {outcome.rate:>10,.0f} {ratios[0]:>12} {ratios[1]:>8}"


def render_table(figures: list[Figure], contenders: tuple[Contender, ...]) -> str:
    names = {c.key: c.name for c in contenders}
    lines = []
    for figure in figures:
        peer, raw = figure.best_peer(contenders), figure.raw_key(contenders)
        lines.append(f"{figure.title}  [best peer: {names.get(peer or '', '-')}]")
        header = f"  {'contender':<50} {'events/s':>10} {'vs peer':>12} {'vs raw':>8}"
        lines.append(header)
        lines.extend(_row(c.name, figure, c.key, (peer, raw)) for c in contenders)
        lines.append("")
    return "\n".join(lines)


def figure_record(figure: Figure, contenders: tuple[Contender, ...]) -> dict[str, Any]:
    peer, raw = figure.best_peer(contenders), figure.raw_key(contenders)
    results = {}
    for c in contenders:
        outcome, m = figure.outcomes[c.key], figure.outcomes[c.key].measurement
        results[c.key] = {
            "name": c.name,
            "kind": c.kind,
            "status": outcome.status,
            "events": m.events if m else None,
            "seconds": round(m.seconds, 4) if m else None,
            "events_per_s": round(m.events_per_s, 1) if m else None,
            "vs_best_peer": figure.ratio(c.key, peer),
            "vs_raw": figure.ratio(c.key, raw),
            "samples_events_per_s": [round(s.events_per_s, 1) for s in outcome.samples],
        }
    return {"title": figure.title, "best_peer": peer, "results": results}


def write_json(record: dict[str, Any], directory: Path, started: datetime) -> Path:
    """Writes bench_store-<UTC timestamp>.json and bench_store-latest.json."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, indent=2) + "\n"
    path = directory / f"bench_store-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(text)
    (directory / "bench_store-latest.json").write_text(text)
    return path
