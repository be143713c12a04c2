"""Timing helpers of bench_projections: retried timed work and split times."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError

from infra.projection_host import progress_printer

LOST = (OperationalError, InterfaceError)
ATTEMPTS = 3
retries: list[str] = []  # connections lost during the run (the database is shared)


def timed(label: str, work: Any, *, resumes: bool = False) -> tuple[Any, float]:
    """Runs ``work``, timed. A lost connection (another session may terminate
    backends) is retried: the time of work that resumes where it was counts
    every attempt; of work that starts over, only the last."""
    spent = 0.0
    for attempt in range(1, ATTEMPTS + 1):
        started = time.perf_counter()
        try:
            result = work()
        except LOST as e:
            if attempt == ATTEMPTS:
                raise
            retries.append(f"{label}: {type(e).__name__}: {e}".strip())
            print(f"\n{label}: lost the connection; again", file=sys.stderr)
            spent += time.perf_counter() - started if resumes else 0.0
            continue
        seconds = spent + time.perf_counter() - started
        print(f"\n{label}: {seconds:.2f} s", file=sys.stderr)
        return result, seconds
    raise AssertionError("unreachable")


class Split:
    """A progress callback that also notes (positions, seconds) when a
    catch-up first got to ``at`` and when it got to the end."""

    def __init__(self, label: str, at: int) -> None:
        self.show = progress_printer(label, sys.stderr.write)
        self.at, self.started = at, time.perf_counter()
        self.reached = self.finished = (0, 0.0)

    def __call__(self, done: int, total: int) -> None:
        seconds = time.perf_counter() - self.started
        if not self.reached[0] and done >= self.at:
            self.reached = (done, seconds)
        if done >= total:
            self.finished = (done, seconds)
        self.show(done, total)


def machine_busy() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (every CPU:
    user, nice, system, irq and softirq time of ``/proc/stat``); ``None``
    off Linux."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    busy = sum(ticks[:3]) + sum(ticks[5:7])
    return busy / os.sysconf("SC_CLK_TCK")


class CpuUse:
    """The CPU seconds spent while the block ran: by this process (all its
    threads) and by the whole machine (``None`` where it cannot be read).
    The difference is what the rest of the machine spent: PostgreSQL's
    backends on a quiet machine."""

    process: float = 0.0
    machine: float | None = None

    def __enter__(self) -> CpuUse:
        self._process, self._machine = time.process_time(), machine_busy()
        return self

    def __exit__(self, *exc: object) -> None:
        self.process = time.process_time() - self._process
        machine = machine_busy()
        if machine is not None and self._machine is not None:
            self.machine = machine - self._machine
