"""Fresh ids for new records and correlations, without a system call each.

``uuid4`` reads 16 bytes from the kernel for every id, and CPython lets go of
the GIL around that read: in a server whose request threads wait for the
GIL, each id costs a hand-over to another thread and a wait to get it back.
``new_id`` is ``uuid4`` (bytes from ``os.urandom``, the same version and
variant bits), with the bytes read for ``BATCH`` ids at a time. A forked
child starts with none, so it never hands out its parent's ids.
"""

from __future__ import annotations

import os
from collections import deque
from uuid import UUID

BATCH = 256
_ready: deque[bytes] = deque()  # popleft and extend are atomic under the GIL


def new_id() -> UUID:
    while True:
        try:
            return UUID(bytes=_ready.popleft(), version=4)
        except IndexError:
            block = os.urandom(16 * BATCH)
            _ready.extend(block[i : i + 16] for i in range(0, len(block), 16))


os.register_at_fork(after_in_child=_ready.clear)
