"""Group commit: writes that arrive while another is committing go together.

The global log is ordered by a lock held until commit, so one commit per
write caps throughput at the disk's flush rate. Here the first writer leads:
it takes every write waiting, runs them as one batch (one transaction, one
flush), hands each caller its own result, then passes the lead on to the
next writer that arrived meanwhile. A lone writer runs at once, alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Q = TypeVar("Q")
R = TypeVar("R")


class _Slot(Generic[Q, R]):
    """``done`` is held from the start and released once, when the result is
    in or the slot is to lead: one lock is the cheapest wake-up of one
    waiting thread (an ``Event`` takes a ``Condition``, a lock per wait and,
    once woken, its lock back from the thread that woke it)."""

    __slots__ = ("done", "lead", "request", "result")

    def __init__(self, request: Q) -> None:
        self.request = request
        self.done = threading.Lock()
        self.done.acquire()
        self.lead = False
        self.result: R | BaseException | None = None


class GroupCommitter(Generic[Q, R]):
    """``run_batch`` gets the waiting requests in arrival order and returns,
    for each, its result or the exception to raise to its caller."""

    def __init__(
        self, run_batch: Callable[[Sequence[Q]], Sequence[R | BaseException]]
    ) -> None:
        self._run_batch = run_batch
        self._lock = threading.Lock()
        self._pending: list[_Slot[Q, R]] = []
        self._busy = False
        self.batches = 0  # how many batches ran, and how many requests in all
        self.requests = 0

    def submit(self, request: Q) -> R:
        slot: _Slot[Q, R] = _Slot(request)
        with self._lock:
            self._pending.append(slot)
            slot.lead = not self._busy
            self._busy = True
        if not slot.lead:
            slot.done.acquire()
        if slot.lead:
            self._lead()
        if isinstance(slot.result, BaseException):
            raise slot.result
        return slot.result  # type: ignore[return-value]

    def _lead(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            self.batches += 1
            self.requests += len(batch)
        try:
            results = list(self._run_batch([slot.request for slot in batch]))
        except BaseException as e:  # the whole batch failed alike
            results = [e] * len(batch)
        for slot, result in zip(batch, results, strict=True):
            slot.result = result
            slot.lead = False
            slot.done.release()
        with self._lock:
            if self._pending:
                successor = self._pending[0]
                successor.lead = True
                successor.done.release()
            else:
                self._busy = False
