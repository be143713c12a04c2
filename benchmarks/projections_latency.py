"""Write-to-visible latency: commands at a steady rate through the command
layer, the views following in a thread of the same process (as in
``sfa serve``), and for each command the time from its return until
``ProjectionHost.wait_for`` sees its position (what a read with
``min_position`` waits).

Commands are issued on a fixed schedule (open loop: one every 1/rate
seconds, not after the previous one became visible); waiter threads take each
command's position and wait for it, so a slow wait never delays the next
command.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from queue import SimpleQueue
from typing import Any

from eventsourcing.persistence import PersistenceError

from benchmarks.commands_mix import Fixture, Worker
from benchmarks.projections_workload import Progress
from commands.application import SalesApplication
from infra.projection_host import ProjectionHost

WAITERS = 4  # per view (the bench gives the view store a pool of 16)
TIMEOUT = 10.0


class PositionedApplication(SalesApplication):
    """Remembers the position of its last save (commands come from one thread)."""

    name = SalesApplication.name  # the same tables (the library names by class)
    last_position = 0

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        recordings = super().save(*objs, **kwargs)
        if recordings:
            self.last_position = recordings[-1].notification.id
        return recordings


@dataclass
class Waits:
    """Per view: seconds from a command's return until the view had it."""

    views: list[str]
    seconds: dict[str, list[float]] = field(default_factory=dict)
    timeouts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, host: ProjectionHost, view: str, item: tuple[int, float]) -> None:
        position, returned = item
        try:
            seen = host.wait_for(view, position, timeout=TIMEOUT)
        except PersistenceError:  # e.g. a lost connection: counts as unseen
            seen = False
        elapsed = time.perf_counter() - returned
        with self.lock:
            if seen:
                self.seconds.setdefault(view, []).append(elapsed)
            else:
                self.timeouts[view] = self.timeouts.get(view, 0) + 1


Queue = SimpleQueue[tuple[int, float] | None]


def _waiter(queue: Queue, waits: Waits, host: ProjectionHost, view: str) -> None:
    while (item := queue.get()) is not None:
        waits.wait(host, view, item)


def _issue(
    app: PositionedApplication,
    count: int,
    rate: float,
    queues: list[Queue],
    progress: Progress | None,
) -> tuple[float, int]:
    """Runs ``count`` commands on schedule; returns (seconds, commands late)."""
    worker = Worker(Fixture(app), seed=7)
    late = 0
    started = time.perf_counter()
    for n in range(count):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        elif delay < -1 / rate:
            late += 1
        worker.step()
        returned = time.perf_counter()
        for queue in queues:
            queue.put((app.last_position, returned))
        if progress is not None and (n + 1) % int(rate) == 0:
            progress(n + 1, count)
    return time.perf_counter() - started, late


def measure_latency(
    app: PositionedApplication,
    host: ProjectionHost,
    views: list[str],
    *,
    rate: float,
    seconds: float,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Runs ``views`` in ``host``, a thread each, while commands arrive at
    ``rate`` per second for ``seconds``; latencies in milliseconds."""
    queues = {view: Queue() for view in views}
    waits = Waits(views)
    threads = [
        threading.Thread(target=_waiter, args=(queues[view], waits, host, view))
        for view in views
        for _ in range(WAITERS)
    ]
    for thread in threads:
        thread.start()
    host.start(views)
    count = int(rate * seconds)
    try:
        elapsed, late = _issue(app, count, rate, list(queues.values()), progress)
    finally:
        for queue in queues.values():
            for _ in range(WAITERS):
                queue.put(None)
        for thread in threads:
            thread.join()
        host.stop()
    return {
        "commands": count,
        "seconds": round(elapsed, 3),
        "commands_per_s": round(count / elapsed, 1),
        "late_commands": late,
        "views": {view: summary(waits, view) for view in views},
    }


def summary(waits: Waits, view: str) -> dict[str, Any]:
    ms = sorted(s * 1000 for s in waits.seconds.get(view, []))
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms
    return {
        "visible": len(ms),
        "timeouts": waits.timeouts.get(view, 0),
        "p50_ms": round(statistics.median(ms), 2) if ms else None,
        "p99_ms": round(cuts[98], 2) if len(ms) > 1 else None,
        "max_ms": round(ms[-1], 2) if ms else None,
    }
