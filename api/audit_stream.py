"""``GET /audit/verify`` as a stream: progress lines, then the verdict."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

from api.schemas.audit import VerdictOut
from infra import ledger

_DONE = object()


def verify_lines(recorder: Any, start: int | None, stop: int | None) -> Iterator[str]:
    """Runs verify in a thread; yields ``{"done", "total"}`` lines as it goes
    and a last ``{"verdict": ...}`` line (or ``{"error": ...}``)."""
    lines: queue.Queue[object] = queue.Queue()

    def progress(done: int, total: int) -> None:
        lines.put(json.dumps({"done": done, "total": total}) + "\n")

    def work() -> None:
        try:
            verdict = ledger.verify(recorder, start, stop, progress)
            body = VerdictOut.of(verdict).model_dump(mode="json")
            lines.put(json.dumps({"verdict": body}) + "\n")
        except Exception as e:  # reported in the stream: headers are sent
            lines.put(json.dumps({"error": f"{type(e).__name__}: {e}"}) + "\n")
        finally:
            lines.put(_DONE)

    threading.Thread(target=work, name="audit-verify", daemon=True).start()
    while (line := lines.get()) is not _DONE:
        assert isinstance(line, str)
        yield line
