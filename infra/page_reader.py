"""Reading and decoding a rebuild's pages in a process of its own.

A rebuild's runner applies one page while the next is read ahead; decoding
that page (JSON, tagged ids and times, the personal-data boxes) in a thread
takes the interpreter from the one applying. ``PageReader`` does it in a
second process instead (``python -m infra.page_reader``, importing only the
application), with an application of its own (the same class and
environment: the same recorder, mapper and keys), and hands each decoded page
back pickled, which costs the applying process a fraction of decoding it.

What must hold: a page is what ``projections.runner.read_page`` gives in the
runner's own process (the same code runs in the reader). The reader's key
cache is its own, as any process's is (``infra.personal_data``): decoding
follows the log, so it forgets a subject's keys at its ``Forgotten`` event.
An error in the reader is raised again where the page is taken.
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO, Any
from uuid import UUID, SafeUUID

from eventsourcing.application import Application
from eventsourcing.utils import get_topic, resolve_topic

from projections.runner import Page, read_page

_new, _set, _UNKNOWN = object.__new__, object.__setattr__, SafeUUID.unknown


def _uuid(value: int) -> UUID:
    """A ``UUID`` as unpickled, without ``UUID.__setstate__``'s enum work."""
    uuid = _new(UUID)
    _set(uuid, "int", value)
    _set(uuid, "is_safe", _UNKNOWN)
    return uuid


def _reduce_uuid(uuid: UUID) -> str | tuple[Any, ...]:
    if uuid.is_safe is _UNKNOWN:  # as decoding makes them
        return _uuid, (uuid.int,)
    return uuid.__reduce_ex__(pickle.HIGHEST_PROTOCOL)


_REDUCERS = {**copyreg.dispatch_table, UUID: _reduce_uuid}


def _send(stream: IO[bytes], message: Any) -> None:
    pickler = pickle.Pickler(stream, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _REDUCERS
    pickler.dump(message)
    stream.flush()


class PageReader:
    """``read_page`` in a child process, one page at a time (started at
    once: importing the application takes a moment)."""

    def __init__(self, app: Application[Any], topics: Sequence[str], limit: int):
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._requests, self._replies = self._process.stdin, self._process.stdout
        self._lock = threading.Lock()
        opening = (get_topic(type(app)), dict(app.env), list(topics), limit)
        _send(self._requests, opening)

    def __call__(self, start: int, stop: int) -> Page:
        with self._lock:
            _send(self._requests, (start, stop))
            try:
                failed, reply = pickle.load(self._replies)
            except Exception as e:  # the pipe cannot be trusted any more
                self.close()
                raise RuntimeError(f"the page reader failed: {e!r}") from e
        if failed:
            raise reply
        page: Page = reply
        return page

    def close(self) -> None:
        """Ends the reader: at the end of its input, or at its next write."""
        self._requests.close()
        self._replies.close()
        self._process.wait()


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """The reader's loop: an opening, then pages until the input ends."""
    app_topic, env, topics, limit = pickle.load(requests)
    log = resolve_topic(app_topic)(env={**env, "CREATE_TABLE": "n"})
    try:
        while True:
            try:
                start, stop = pickle.load(requests)
            except EOFError:
                return
            buffer = io.BytesIO()  # pickled whole first: an error is sent alone
            try:
                _send(buffer, (False, read_page(log, topics, start, stop, limit)))
            except Exception as e:
                buffer = io.BytesIO()
                _send(buffer, (True, _portable(e)))
            replies.write(buffer.getvalue())
            replies.flush()
    finally:
        log.close()


def _portable(error: Exception) -> Exception:
    """``error`` if it survives pickling (the runner retries a lost
    connection by its type), else a ``RuntimeError`` saying what it was."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


if __name__ == "__main__":
    from infra import page_reader  # pickled functions named by the module's name

    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # what else writes to the standard output goes to its error
    page_reader.serve(sys.stdin.buffer, replies)
