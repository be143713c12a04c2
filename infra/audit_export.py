"""``sfa audit export``: the global log as JSON Lines, resumable.

What must hold: each line is one event, exactly as ``GET /audit/log`` shows
it, in recorded order. A run that stops part-way (Ctrl-C, a crash) leaves a
file whose complete lines are a prefix of the full export; running the same
command again drops an incomplete last line and continues after the last
complete one, so the file ends up the same as one uninterrupted run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from commands.application import SalesApplication
from infra.audit_log import LogFilter, log_page
from infra.ledger import Progress

CHUNK = 1 << 16


def resume_after(path: Path) -> int:
    """The position of the file's last complete line (0: no file or empty);
    an incomplete last line is cut off."""
    if not path.exists():
        return 0
    with path.open("rb+") as f:
        end = f.seek(0, os.SEEK_END)
        tail, start = b"", end
        while start > 0 and tail.count(b"\n") < 2:
            start = max(start - CHUNK, 0)
            f.seek(start)
            tail = f.read(end - start)
        complete = tail[: tail.rfind(b"\n") + 1]
        if len(complete) < len(tail):
            f.truncate(start + len(complete))
    lines = complete.splitlines()
    return int(json.loads(lines[-1])["position"]) if lines else 0


def export(
    app: SalesApplication,
    out: Path,
    after: int = 0,
    where: LogFilter | None = None,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Appends the events above ``after`` (or above the file's last line,
    whichever is later) that match ``where``; returns (events written, the
    position exported up to)."""
    position = max(after, resume_after(out))
    head = app.recorder.max_notification_id() or 0
    start, written = position, 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as f:
        while position < head:
            page = log_page(app, position, 1000, where, scan=5000)
            lines = [json.dumps(e.to_json(), sort_keys=True) + "\n" for e in page.items]
            f.writelines(lines)
            f.flush()
            written += len(lines)
            if page.scanned_to <= position:
                break
            position = page.scanned_to
            if progress:
                progress(position - start, head - start)
    return written, position
