"""Closed-loop HTTP load: N clients, each sending its next request when the
last one was answered. Reports requests/s and latency percentiles."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from benchmarks.raw_http import RawClient, Response

Step = Callable[[RawClient], Awaitable[Response]]


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    latencies_ms: tuple[float, ...]
    failures: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def summary(self) -> dict[str, float | int]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "requests_per_s": round(self.rate, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2),
            "failures": self.failures,
        }


async def _client(
    port: int, headers: dict[str, str], step: Step, count: int
) -> tuple[list[float], int]:
    latencies, failures = [], 0
    async with RawClient("127.0.0.1", port, headers) as client:
        for _ in range(count):
            start = time.perf_counter()
            answer = await step(client)
            latencies.append((time.perf_counter() - start) * 1000)
            failures += answer.status_code >= 400
    return latencies, failures


async def _load(
    port: int, headers: dict[str, str], steps: list[Step], per_client: int
) -> Load:
    start = time.perf_counter()
    results = await asyncio.gather(
        *(_client(port, headers, step, per_client) for step in steps)
    )
    seconds = time.perf_counter() - start
    latencies = tuple(ms for lat, _ in results for ms in lat)
    return Load(len(latencies), seconds, latencies, sum(f for _, f in results))


def closed_loop(
    port: int, headers: dict[str, str], steps: list[Step], per_client: int
) -> Load:
    """One client per step function, ``per_client`` requests each, on
    127.0.0.1:``port``."""
    return asyncio.run(_load(port, headers, steps, per_client))
