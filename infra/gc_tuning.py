"""The garbage collector of a long-running sfa process.

CPython's default thresholds (700, 10, 10) collect the youngest generation
every 700 new container objects and the whole heap every 100 of those. A
report building thousands of rows, in a process whose caches (keys, views'
lookups, the write cache) hold a large heap, then pauses for full
collections in the middle of a request: on the control report (1,400 lines)
those pauses made p99 about five times p50. With thresholds of (50,000, 50,
100) and the objects made at start-up frozen out of every collection, the
same reads measured p99 of 32 ms instead of 107-123 ms (README,
Performance). Memory stays bounded: reference counting frees everything
that is not in a cycle at once; cycles wait a little longer.
"""

from __future__ import annotations

import gc
import os

THRESHOLDS = (50_000, 50, 100)


def tune() -> None:
    """For a server, a view runner or a relay, once it has started: freezes
    what start-up made and sets ``THRESHOLDS`` (``SFA_GC_DEFAULT=1`` keeps
    CPython's own)."""
    if os.environ.get("SFA_GC_DEFAULT") == "1":
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
