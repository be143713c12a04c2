"""The threads that plain routes (``api.fast_path``) run their endpoints in.

An endpoint blocks on the store, so it runs in a thread, as FastAPI runs a
``def`` endpoint; but anyio's hand-off (capacity limiter, cancel scopes,
one queue and condition per worker, a thread per concurrent call up to 40)
costs the event loop more than the rest of a write's HTTP handling, and
every thread more takes part in the contention for the GIL. Here a call is
one put on a shared queue and one future; ``SIZE`` threads, started when
first needed, take the calls in arrival order. The call runs in a copy of
the caller's context, as with anyio.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
SIZE = 40  # as many calls at once as anyio (FastAPI's pool) allows
Job = tuple[
    asyncio.AbstractEventLoop,
    "asyncio.Future[Any]",
    contextvars.Context,
    Callable[..., Any],
    dict[str, Any],
]


def _settle(
    future: asyncio.Future[Any], result: Any, error: BaseException | None
) -> None:
    if future.cancelled():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


class Workers:
    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    async def run(self, function: Callable[..., T], **kwargs: Any) -> T:
        """``function(**kwargs)`` in one of the threads."""
        if len(self._threads) < self.size:
            self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((loop, future, contextvars.copy_context(), function, kwargs))
        return await future

    def _start(self) -> None:
        with self._lock:
            while len(self._threads) < self.size:
                name = f"sfa-worker-{len(self._threads)}"
                thread = threading.Thread(target=self._work, name=name, daemon=True)
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        while True:
            loop, future, context, function, kwargs = self._jobs.get()
            result, error = None, None
            try:
                result = context.run(function, **kwargs)
            except BaseException as e:  # the caller's to raise, as with anyio
                error = e
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits
                loop.call_soon_threadsafe(_settle, future, result, error)
            del loop, future, context, function, kwargs, result, error


WORKERS = Workers()
