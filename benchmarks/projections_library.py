"""The baseline: the library's plain ``ProjectionRunner`` keeping a view with
the same tables and the same handlers as ours, one event per transaction.

The shape is that of ``eventsourcing/tests/projection.py``: a materialised
view that is a ``TrackingRecorder`` (here ``PgTrackingRecorder``, tracking in
the same transaction as the rows via ``insert_tracking_in``) and a
``Projection`` whose ``process_event`` hands each event to it. The view's SQL
is our view's own (``View.apply`` through a ``Step``), so the only difference
from our runner is how events are read and how many go in a transaction.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection, ProjectionRunner
from eventsourcing.utils import get_topic

from benchmarks.projections_report import Figure
from benchmarks.projections_workload import progress_line
from commands.application import SalesApplication
from infra.pg_datastore import PgDatastore, qualified, retry_on_disconnect
from infra.pg_recorders import PgTrackingRecorder
from projections.view import Step, View

NAME = "baseline"  # the projection's name: env prefix and tracking table prefix


class SchemaTables:
    """``{table}`` placeholders of a view, in one PostgreSQL schema."""

    def __init__(self, schema: str, view: type[View]) -> None:
        self.mapping = {t: qualified(schema, f"{view.name}_{t}") for t in view.tables}

    def sql(self, statement: str) -> str:
        return statement.format(**self.mapping)


class TrackingView(PgTrackingRecorder):
    """A materialised view: one transaction per event, rows and tracking."""

    view_class: ClassVar[type[View]]

    def __init__(self, datastore: PgDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.view = self.view_class()
        self.tables = SchemaTables(self.schema, self.view_class)

    def ddl(self) -> list[str]:
        names, view = self.tables.mapping, self.view_class
        tables = [
            f"CREATE TABLE IF NOT EXISTS {names[t]} ({columns})"
            for t, columns in view.tables.items()
        ]
        indexes = [
            f"CREATE INDEX IF NOT EXISTS {NAME}_{view.name}_{index}"
            f" ON {self.tables.sql(target)}"
            for index, target in view.indexes.items()
        ]
        return [*super().ddl(), *tables, *indexes]

    @retry_on_disconnect()
    def process(self, event: Any, tracking: Tracking) -> None:
        with self.datastore.transaction() as curs:
            step = Step(curs, self.tables, tracking.notification_id)
            self.view.apply(step, event)
            self.insert_tracking_in(curs, tracking)


def projection_for(view: type[View]) -> type[Projection[TrackingView]]:
    """A library ``Projection`` (and its ``TrackingView``) for one of our views."""

    class ViewTables(TrackingView):
        view_class = view

    topics = tuple(sorted(get_topic(c) for c in view._handlers))

    class LibraryProjection(Projection[TrackingView]):
        name = NAME

        def process_event(self, domain_event: Any, tracking: Tracking) -> None:
            self.view.process(domain_event, tracking)

    LibraryProjection.topics = topics
    LibraryProjection.view_type = ViewTables  # type: ignore[attr-defined]
    return LibraryProjection


def time_library_runner(
    view: type[View],
    env: dict[str, str],
    until: int,
    timeout: float,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, float]:
    """Runs the library's runner from position 0 until its view has processed
    ``until``; returns (position reached, seconds). ``env`` configures the
    application; ``BASELINE_SFA_DB_SCHEMA`` in it places the view's tables."""
    projection = projection_for(view)
    started = time.perf_counter()
    runner = ProjectionRunner(
        application_class=SalesApplication,
        projection_class=projection,
        view_class=projection.view_type,  # type: ignore[attr-defined]
        env=env,
    )
    with runner:
        deadline = started + timeout
        reached = 0
        while reached < until and time.perf_counter() < deadline:
            runner.run_forever(timeout=0.02)  # re-raises an error of its thread
            reached = runner.view.max_tracking_id(SalesApplication.name) or 0
            if progress is not None:
                progress(min(reached, until), until)
        seconds = time.perf_counter() - started
    return reached, seconds


def library_figure(
    view: type[View], env: dict[str, str], until: int, *, schema: str
) -> Figure:
    """The library runner on ``view`` from position 0 to ``until``, its view's
    tables in ``schema``."""
    print(f"(b) library ProjectionRunner, {view.name}, to {until:,}", file=sys.stderr)
    env = {**env, f"{NAME.upper()}_SFA_DB_SCHEMA": schema}
    show = progress_line(f"(b) library runner, {view.name}")
    reached, seconds = time_library_runner(view, env, until, 900, show)
    label = f"(b) library ProjectionRunner, first {reached:,}, 1 event/txn"
    key = f"{view.name}.library"
    return Figure(key, label, reached, seconds, complete=reached >= until)
