"""Stored events and timed loops shared by every contender of bench_store.

Every contender is fed the very same pre-built events, so the timed loops
measure the store and nothing else.
"""

from __future__ import annotations

import gc
import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import TextIO
from uuid import UUID

from eventsourcing.persistence import StoredEvent

REGISTERED_TOPIC = "domain.contact:Contact.Registered"
CHANGED_TOPIC = "domain.contact:Contact.DetailsChanged"
BATCH_SIZE = 10

InsertFn = Callable[[Sequence[StoredEvent]], object]
# (after notification id, limit) -> (rows read, last notification id read)
PageFn = Callable[[int, int], tuple[int, int]]

_FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken")
_LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen")
_COMPANIES = ("Analytical Engines Ltd", "Northwind Traders", "Contoso GmbH")
_TITLES = ("Head of Procurement", "VP Sales Operations", "Chief Data Officer")
_SOURCES = ("webinar", "trade-show", "inbound-web", "partner-referral")


@dataclass(frozen=True)
class Measurement:
    """A timed run: `events` events stored or read in `seconds`."""

    events: int
    seconds: float

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def _uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def contact_payload(rng: random.Random) -> bytes:
    """A contact event's JSON state, about 300 bytes, as the transcoder writes.

    Like the library's mapper, it leaves out the id and version (own columns).
    """
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2025-03-14T09:26:53+00:00"},
        "first_name": first,
        "last_name": last,
        "email": f"{first}.{last}@example.com".lower(),
        "phone": f"+44 20 7946 {rng.randrange(10000):04d}",
        "company": rng.choice(_COMPANIES),
        "title": rng.choice(_TITLES),
        "source": rng.choice(_SOURCES),
        "owner_id": _uuid(rng).hex,
    }
    return json.dumps(state, separators=(",", ":")).encode()


def make_batches(events: int, batch_size: int, seed: int) -> list[list[StoredEvent]]:
    """`events // batch_size` saves, each of one new originator, versions 1..n."""
    rng = random.Random(seed)
    batches = []
    for _ in range(events // batch_size):
        originator_id = _uuid(rng)
        batches.append(
            [
                StoredEvent(
                    originator_id=originator_id,
                    originator_version=version,
                    topic=REGISTERED_TOPIC if version == 1 else CHANGED_TOPIC,
                    state=contact_payload(rng),
                )
                for version in range(1, batch_size + 1)
            ]
        )
    return batches


class Progress:
    """One self-overwriting stderr line: events done and events/s so far."""

    def __init__(self, label: str, total: int, stream: TextIO = sys.stderr) -> None:
        self.label = label
        self.total = total
        self.stream = stream
        self.tty = stream.isatty()
        self.interval = 0.25 if self.tty else 10.0
        self.start = perf_counter()
        self.next_at = self.start + self.interval

    def update(self, done: int) -> None:
        now = perf_counter()
        if now >= self.next_at:
            self.next_at = now + self.interval
            self._show(done, now - self.start, final=False)

    def finish(self, measurement: Measurement) -> None:
        self._show(measurement.events, measurement.seconds, final=True)

    def _show(self, done: int, seconds: float, *, final: bool) -> None:
        rate = done / seconds if seconds > 0 else 0.0
        text = f"{self.label}: {done:,}/{self.total:,} events, {rate:,.0f} ev/s"
        if final:
            text += f" in {seconds:.1f} s"
        end = "\n" if final or not self.tty else ""
        prefix = "\r\x1b[K" if self.tty else ""
        self.stream.write(f"{prefix}{text}{end}")
        self.stream.flush()


def time_writes(
    insert: InsertFn, batches: Sequence[Sequence[StoredEvent]], label: str
) -> Measurement:
    """Calls `insert` once per batch, one save (and commit) each."""
    total = sum(len(batch) for batch in batches)
    gc.collect()
    progress = Progress(label, total)
    done = 0
    start = perf_counter()
    for batch in batches:
        insert(batch)
        done += len(batch)
        progress.update(done)
    measurement = Measurement(done, perf_counter() - start)
    progress.finish(measurement)
    return measurement


def read_all(page: PageFn, page_size: int, progress: Progress | None) -> int:
    """Pages through the log (ids > last seen) until a page comes back empty."""
    done = last_id = 0
    while True:
        count, last_id = page(last_id, page_size)
        if not count:
            return done
        done += count
        if progress is not None:
            progress.update(done)


def time_reads(page: PageFn, page_size: int, total: int, label: str) -> Measurement:
    gc.collect()
    progress = Progress(label, total)
    start = perf_counter()
    done = read_all(page, page_size, progress)
    measurement = Measurement(done, perf_counter() - start)
    progress.finish(measurement)
    return measurement
