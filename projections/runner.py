"""Keeps one view up to date with the global log, a batch per transaction.

What must hold:
- Exactly once. Each batch reads the view's position inside its own
  transaction (locked, so two runners of one view take turns), applies the
  events after it (their writes buffered, ``Batch``, and flushed before the
  position), and stores the new position with the rows. A crash at any
  moment leaves rows and position of the last committed batch.
- Nothing skipped. The head is read before the batch; the log is gapless and
  numbered in commit order, so every event up to the head is visible.
- A failing batch changes nothing; the runner records the error, waits with
  backoff and tries again (a database restart is survived this way).
- ``status`` always answers: while the database is unreachable it gives the
  last position and head it saw, with the error.

Catching up (full pages), the next page is read and decoded in a thread
while the current one is applied (``ReadAhead``); otherwise a batch reads
its page before its transaction begins (``Early``: on SQLite the file's
one write lock is then held only to apply it). A page is the same whenever
it is read (the log below the head does not change), and it is used only if
the batch's locked position is where it starts. The view's
lookup cache (``Step.lookup``) outlives its batch while this runner is the
only one moving the view: kept if the batch's locked position is the one
this runner last committed, dropped with any batch that fails, and bounded
(``CACHE_LIMIT`` entries, oldest first out).
"""

from __future__ import annotations

import gc
import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.utils import get_topic

from projections.view import Batch, Cursor, Step, Tables, View, reader_for

logger = logging.getLogger(__name__)

CACHE_LIMIT = 50_000  # lookup cache entries a runner keeps between batches
HELD_OFF = 1_000_000  # the collector's third threshold while catching up


class FullCollectionsHeldOff:
    """While any runner catches up, the cyclic collector's full (oldest
    generation) collections wait: each page's events outlive the young
    generations, and every few pages they would make it walk the whole heap
    (caches of keys and rows included), a quarter or more of a rebuild's
    CPU. Reference counting still frees everything at once and the young
    generations are still collected; the thresholds are restored when the
    last runner catching up is done."""

    _lock = threading.Lock()
    _holders = 0
    _saved = (0, 0, 0)

    def __enter__(self) -> None:
        cls = type(self)
        with cls._lock:
            if cls._holders == 0:
                cls._saved = gc.get_threshold()
                gc.set_threshold(*cls._saved[:2], HELD_OFF)
            cls._holders += 1

    def __exit__(self, *exc: object) -> None:
        cls = type(self)
        with cls._lock:
            cls._holders -= 1
            if cls._holders == 0:
                gc.set_threshold(*cls._saved)


Progress = Callable[[int, int], None]


class Store(Protocol):
    def create(self, view: type[View], *, shadow: bool = False) -> None: ...

    def transaction(self) -> Any: ...

    def names(self, view: type[View], *, shadow: bool = False) -> Tables: ...

    def lock_position(self, cursor: Cursor, name: str) -> int: ...

    def save_position(self, cursor: Cursor, name: str, position: int) -> None: ...

    def position(self, name: str) -> int: ...


class Log(Protocol):
    """What the runner needs of the application: its recorder and mapper."""

    recorder: Any
    mapper: Any


Page = tuple[Sequence[Any], list[Any], int]  # notifications, events, stop


class ReadAhead:
    """``read(start, stop)`` in a thread of its own (a daemon: a runner that
    stops never waits for it)."""

    def __init__(self, read: Callable[[int, int], Page], start: int, stop: int):
        self.start, self.stop = start, stop
        self._page: Page | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(read,), daemon=True)
        self._thread.start()

    def _run(self, read: Callable[[int, int], Page]) -> None:
        try:
            self._page = read(self.start, self.stop)
        except BaseException as e:  # raised again where the page is taken
            self._error = e

    def page(self) -> Page:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._page is not None
        return self._page


class Early:
    """A page read before its batch's transaction began (``Runner.step``)."""

    def __init__(self, read: Callable[[int, int], Page], start: int, stop: int):
        self.start, self.stop = start, stop
        self._page = read(start, stop)

    def page(self) -> Page:
        return self._page


@dataclass
class Status:
    name: str
    position: int
    head: int
    lag_events: int
    lag_seconds: float
    last_error: str | None


class Runner:
    def __init__(
        self,
        view: View,
        store: Store,
        log: Log,
        *,
        shadow: bool = False,
        batch_size: int = 1000,
    ) -> None:
        self.view = view
        self.store = store
        self.log = log
        self.shadow = shadow
        self.batch_size = batch_size
        self.tracking_name = view.name + ("__rebuild" if shadow else "")
        self.topics = sorted(get_topic(c) for c in type(view)._handlers)
        self.topic_set = frozenset(self.topics)
        self.tables = store.names(type(view), shadow=shadow)
        store.create(type(view), shadow=shadow)
        self.last_error: str | None = None
        self.behind_since: float | None = None
        self.seen = (0, 0)  # the last position and head status could read
        self.wake = threading.Event()
        self._ahead: ReadAhead | Early | None = None
        self._cache: dict[Any, Any] = {}
        self._saved = -1  # the position this runner last committed
        self._reader: tuple[Any, Any] | None = None  # (mapper, the view's reader)

    def head(self) -> int:
        """The head of the log, asked once: the caller retries, with backoff."""
        recorder = self.log.recorder
        return getattr(recorder, "probe_head", recorder.max_notification_id)() or 0

    def step(self, until: int | None = None) -> int:
        """One batch; returns how far the position moved (0: caught up)."""
        head = self.head()
        if until is not None:
            head = min(head, until)
        if self._ahead is None and 0 <= self._saved < head:
            self._ahead = Early(self._read, self._saved, head)
        cache, self._cache = self._cache, {}  # lost if the batch fails
        with self.store.transaction() as cursor:
            position = self.store.lock_position(cursor, self.tracking_name)
            if position != self._saved:  # another runner moved the view
                cache = {}
            if position >= head:
                self._cache, self._saved = cache, position
                return 0
            notifications, events, head = self._take(position, head)
            full = len(notifications) == self.batch_size
            if full and notifications[-1].id < head:
                self._ahead = ReadAhead(self._read, notifications[-1].id, head)
            batch = Batch(cursor, cache=cache)
            if events:
                first = Step(cursor, self.tables, notifications[0].id, batch)
                self.view.prefetch(first, events)
            for notification, event in zip(notifications, events, strict=True):
                step = Step(cursor, self.tables, notification.id, batch)
                self.view.apply(step, event)
            batch.flush()  # every row written before the position, same txn
            moved_to = notifications[-1].id if full else head
            self.store.save_position(cursor, self.tracking_name, moved_to)
        for key in list(itertools.islice(cache, max(len(cache) - CACHE_LIMIT, 0))):
            del cache[key]  # the oldest entries first
        self._cache, self._saved = cache, moved_to
        return moved_to - position

    def _take(self, position: int, head: int) -> Page:
        """The page after ``position``: the one read ahead if it starts
        there and stops at or before ``head`` (its stop is then the
        batch's head), else read now."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead.start == position and ahead.stop <= head:
            return ahead.page()
        return self._read(position, head)

    def _read(self, position: int, head: int) -> Page:
        notifications = self._page(position, head)
        mapper = self._mapper()
        if hasattr(mapper, "preload_keys"):  # the page's keys in one query
            mapper.preload_keys(notifications)
        to_event = mapper.to_domain_event
        return notifications, [to_event(n) for n in notifications], head

    def _mapper(self) -> Any:
        """The log's mapper; for a view that reads no personal value, its
        reader with the boxes shut (``sealed``), if it has one."""
        mapper = self.log.mapper
        if self._reader is None or self._reader[0] is not mapper:
            self._reader = (mapper, reader_for(self.view, mapper))
        return self._reader[1]

    def _page(self, position: int, head: int, limit: int = 0) -> Sequence[Any]:
        return self.log.recorder.select_notifications(  # type: ignore[no-any-return]
            start=position,
            limit=limit or self.batch_size,
            stop=head,
            topics=self.topics,
            inclusive_of_start=False,
        )

    def catch_up(
        self, until: int | None = None, progress: Progress | None = None
    ) -> int:
        """Applies everything up to ``until`` (default: the head now)."""
        target = (
            until if until is not None else self.log.recorder.max_notification_id() or 0
        )
        moved = 0
        with FullCollectionsHeldOff():
            while (step := self._step_retrying(target)) > 0:
                moved += step
                if progress is not None:
                    progress(self.store.position(self.tracking_name), target)
        return moved

    def _step_retrying(self, until: int, attempts: int = 8) -> int:
        """A batch that lost its connection rolled back whole: run it again."""
        for attempt in range(1, attempts + 1):
            try:
                return self.step(until)
            except (OperationalError, InterfaceError) as e:
                if attempt == attempts:
                    raise
                logger.warning("view %s: %s; retrying", self.view.name, e)
                time.sleep(0.1 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def run(self, stop: threading.Event, poll_interval: float = 1.0) -> None:
        """Follows the log until ``stop`` is set; woken by ``wake`` or polling.
        A batch that was not full reached the head it read: the runner then
        waits to be woken (a write during the batch has woken it already)."""
        backoff = 0.1
        while not stop.is_set():
            try:
                moved = self.step()
                self.last_error = None
                backoff = 0.1
            except Exception as e:  # the batch rolled back: try again later
                self.last_error = f"{type(e).__name__}: {e}"
                logger.warning("view %s: %s", self.view.name, self.last_error)
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if moved < self.batch_size:
                self.wake.wait(poll_interval)
                self.wake.clear()

    def applied(self, upto: int) -> int:
        """How far, up to ``upto``, the view has applied the log: its stored
        position, or as far as the log goes towards ``upto`` when nothing
        the view handles lies between (a view is woken only by writes it
        handles, and moves its position over the others when it next runs)."""
        stored = self.store.position(self.tracking_name)
        if stored >= upto:
            return stored
        upto = min(upto, self.head())
        return stored if self._page(stored, upto, limit=1) else max(stored, upto)

    def status(self) -> Status:
        error = self.last_error
        try:
            head = self.head()
            self.seen = (self.applied(head), head)
        except Exception as e:  # unreachable: what was last seen, and why
            error = error or f"{type(e).__name__}: {e}"
        position, head = self.seen
        now = time.monotonic()
        if position >= head:
            self.behind_since = None
        elif self.behind_since is None:
            self.behind_since = now
        lag_seconds = now - self.behind_since if self.behind_since else 0.0
        return Status(
            self.view.name,
            position,
            head,
            max(head - position, 0),
            round(lag_seconds, 3),
            error,
        )
