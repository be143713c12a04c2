"""The application of bench_projections, in a module of its own: a rebuild's
page reader process (``infra.page_reader``) imports it, and nothing more."""

from __future__ import annotations

from typing import Any

from commands.application import SalesApplication


class PositionedApplication(SalesApplication):
    """Remembers the position of its last save (commands come from one thread)."""

    name = SalesApplication.name  # the same tables (the library names by class)
    last_position = 0

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        recordings = super().save(*objs, **kwargs)
        if recordings:
            self.last_position = recordings[-1].notification.id
        return recordings
