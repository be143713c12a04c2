"""bench_projections' results: the printed table with ratios, and the JSON."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.results import save

TARGET_VS_LIBRARY = 5.0
TARGET_VS_RAW = 0.3


@dataclass(frozen=True)
class Figure:
    key: str  # "raw", "decode", or "<view>.<figure>"
    label: str
    events: int  # log positions covered
    seconds: float
    complete: bool = True  # False: stopped by the timeout before the end
    process_cpu: float | None = None  # CPU seconds of this process meanwhile
    machine_cpu: float | None = None  # ... of the whole machine (Linux)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def cpu_us(self) -> tuple[float, float | None] | None:
        """CPU µs per log position: this process's, and the rest of the
        machine's (PostgreSQL's on a quiet machine); ``None`` unmeasured."""
        if self.process_cpu is None or not self.events:
            return None
        process = self.process_cpu / self.events * 1e6
        if self.machine_cpu is None:
            return process, None
        return process, max(
            self.machine_cpu - self.process_cpu, 0.0
        ) / self.events * 1e6

    @property
    def view(self) -> str | None:
        return self.key.split(".")[0] if "." in self.key else None


def _ratio(figure: Figure, base: Figure | None) -> float | None:
    return figure.rate / base.rate if base and base.rate else None


def _cell(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def _table(figures: list[Figure], by_key: dict[str, Figure]) -> list[str]:
    lines = [f"{'figure':<58}{'events/s':>10}{'vs library':>12}{'vs raw':>8}"]
    for f in figures:
        if f.view and f.key.endswith(".library"):
            lines.append(f"{f.view}:")
        library = by_key.get(f"{f.view}.library")
        ratios = _cell(_ratio(f, library)), _cell(_ratio(f, by_key["raw"]))
        note = "" if f.complete else "  (timed out before the end)"
        label = f"  {f.label}" if f.view else f.label
        lines.append(f"{label:<58}{f.rate:>10,.0f}{ratios[0]:>12}{ratios[1]:>8}{note}")
    return lines


def _target(name: str, by_key: dict[str, Figure]) -> dict[str, Any]:
    rebuild, raw = by_key[f"{name}.rebuild"], by_key["raw"]
    library = by_key[f"{name}.library"]
    vs_library, vs_raw = _ratio(rebuild, library), _ratio(rebuild, raw)
    return {
        "view": name,
        "rebuild_vs_library": vs_library,
        "rebuild_vs_library_same_positions": _ratio(
            by_key[f"{name}.rebuild_prefix"], library
        ),
        "rebuild_vs_raw": vs_raw,
        "met_vs_library": (vs_library or 0) >= TARGET_VS_LIBRARY,
        "met_vs_raw": (vs_raw or 0) >= TARGET_VS_RAW,
    }


def _target_line(target: dict[str, Any]) -> str:
    def verdict(met: bool) -> str:
        return "met" if met else "MISSED"

    return (
        f"target {target['view']}: rebuild >= {TARGET_VS_LIBRARY:.0f}x library"
        f" {_cell(target['rebuild_vs_library'])}x"
        f" (same positions {_cell(target['rebuild_vs_library_same_positions'])}x)"
        f" {verdict(target['met_vs_library'])};"
        f" >= {TARGET_VS_RAW} of raw {_cell(target['rebuild_vs_raw'])}"
        f" {verdict(target['met_vs_raw'])}"
    )


def _cpu_lines(figures: list[Figure], cpus: int) -> list[str]:
    """Where the CPU went, per log position, and what 0.3 of the raw read
    leaves: a rebuild at that rate has 1 / (0.3 x raw rate) seconds a
    position, of which one Python process (its threads take turns at the
    GIL) can use at most all, and the whole machine ``cpus`` times that."""
    raw = next(f for f in figures if f.key == "raw")
    lines = [
        "CPU per log position, µs: this process (all threads), the rest"
        " of the machine (PostgreSQL on a quiet one), total"
    ]
    for f in figures:
        if f.key in ("raw", "decode") or f.key.endswith(".rebuild"):
            used = f.cpu_us()
            if used is not None:
                process, rest = used
                cells = [f"{process:8.1f}"]
                if rest is not None:
                    cells += [f"{rest:8.1f}", f"{process + rest:8.1f}"]
                lines.append(f"  {f.label.strip():<56}{''.join(cells)}")
    if raw.rate:
        wall = 1e6 / (TARGET_VS_RAW * raw.rate)
        lines.append(
            f"at {TARGET_VS_RAW} of the raw read a rebuild has {wall:.1f} µs a"
            f" position: at most {wall:.1f} µs of one Python process and"
            f" {wall * cpus:.1f} µs of CPU in all on this machine's {cpus} CPUs"
        )
    return lines


def _latency_lines(latency: dict[str, Any], rate: float) -> list[str]:
    lines = [
        f"(d) write-to-visible at {rate:.0f} commands/s (achieved"
        f" {latency['commands_per_s']:.1f}/s, {latency['commands']:,} commands,"
        f" {latency['late_commands']} late), every view running:"
    ]
    for view, s in latency["views"].items():
        lines.append(
            f"  {view:<20} p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms,"
            f" max {s['max_ms']} ms, {s['timeouts']} not visible within 10 s"
        )
    return lines


def report(
    outcome: dict[str, Any], views: list[str], plan: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The table to print and the JSON record (without machine and time)."""
    figures: list[Figure] = outcome["figures"]
    by_key = {f.key: f for f in figures}
    targets = [_target(name, by_key) for name in views]
    lines = [
        f"bench_projections: a log of {outcome['head']:,} events;"
        " rates are log positions per second",
        *_table(figures, by_key),
        *(_target_line(t) for t in targets),
        *_cpu_lines(figures, os.cpu_count() or 1),
        *_latency_lines(outcome["latency"], plan["rate"]),
    ]
    text = "\n".join(lines)
    record = {
        "benchmark": "bench_projections",
        "parameters": plan,
        "head": outcome["head"],
        "figures": {
            f.key: {**asdict(f), "events_per_s": round(f.rate, 1)} for f in figures
        },
        "targets": targets,
        "latency": outcome["latency"],
        "lost_connections_retried": outcome["retries"],
        "table": text,
    }
    return text, record


def write_json(record: dict[str, Any], started: datetime) -> Path:
    return save("bench_projections", record, started)
