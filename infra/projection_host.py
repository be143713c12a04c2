"""Runs the views: one thread per view in ``sfa serve`` or ``sfa projections
run``, rebuilds, status, and waiting for a position (read-your-writes)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from commands.application import SalesApplication
from infra.pg_recorders import PgApplicationRecorder
from infra.view_store import ViewStore
from projections.actions import CorrectiveActions
from projections.adjustments import Adjustments
from projections.agenda import Agenda
from projections.catalog import Catalog
from projections.commerce import Commerce
from projections.contact_history import ContactHistory
from projections.control import Control
from projections.dedup import Dedup
from projections.development import Development
from projections.forecast import Forecast
from projections.lead_sources import LeadSources
from projections.lists import Lists
from projections.outreach import Outreach
from projections.recruiting import Recruiting
from projections.runner import Progress, Runner, Status
from projections.territories import Territories
from projections.territory_coverage import TerritoryCoverage
from projections.view import View

logger = logging.getLogger(__name__)

REBUILD_BATCH = 5000  # events per transaction of a rebuild (none waits on it)

VIEWS: tuple[type[View], ...] = (
    ContactHistory,
    Lists,
    Agenda,
    Catalog,
    Commerce,
    Outreach,
    Territories,
    LeadSources,
    Forecast,
    Control,
    CorrectiveActions,
    TerritoryCoverage,
    Adjustments,
    Recruiting,
    Development,
    Dedup,
)


class UnknownView(LookupError):
    pass


class ProjectionHost:
    def __init__(
        self,
        app: SalesApplication,
        store: ViewStore,
        *,
        poll_interval: float = 1.0,
        views: tuple[type[View], ...] = VIEWS,
    ) -> None:
        self.app = app
        self.store = store
        self.poll_interval = poll_interval
        self.runners = {cls.name: Runner(cls(), store, app) for cls in views}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        app.after_save_topics.append(self.wake_for)

    def runner(self, name: str) -> Runner:
        try:
            return self.runners[name]
        except KeyError:
            known = ", ".join(sorted(self.runners))
            raise UnknownView(f"no view {name!r}; views: {known}") from None

    def start(self, names: list[str] | None = None) -> None:
        for name in names or list(self.runners):
            runner = self.runner(name)
            thread = threading.Thread(
                target=runner.run,
                args=(self._stop, self.poll_interval),
                name=f"view-{name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()

    def close(self) -> None:
        self.stop()
        self.store.close()

    def is_running(self, name: str) -> bool:
        """Whether view ``name`` follows the log in this process."""
        return any(t.name == f"view-{name}" and t.is_alive() for t in self._threads)

    def wake(self) -> None:
        for runner in self.runners.values():
            runner.wake.set()

    def wake_for(self, topics: set[str]) -> None:
        """Wakes the views that handle any of ``topics`` (the others are
        woken by their polling, and by ``wait_for``)."""
        for runner in self.runners.values():
            wake = runner.wake
            if not wake.is_set() and not runner.topic_set.isdisjoint(topics):
                wake.set()  # a set Event takes its Condition's lock again

    def wait_for(self, name: str, position: int, timeout: float = 5.0) -> bool:
        """True once view ``name`` has processed ``position``; False after
        ``timeout`` seconds."""
        runner = self.runner(name)
        deadline = time.monotonic() + timeout
        pause = 0.005
        while runner.applied(position) < position:
            if time.monotonic() >= deadline:
                return False
            runner.wake.set()
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
        return True

    def status(self) -> list[Status]:
        return [runner.status() for runner in self.runners.values()]

    def rebuild(self, name: str, progress: Progress | None = None) -> int:
        """Builds the view beside the live one from position 0, then swaps it
        in atomically; returns the position it was rebuilt to."""
        live = self.runner(name)
        view_class = type(live.view)
        analyze_log(self.app.recorder)
        self.store.drop(view_class, shadow=True)
        shadow = Runner(
            view_class(), self.store, self.app, shadow=True, batch_size=REBUILD_BATCH
        )
        shadow.catch_up(progress=progress)
        self.store.complete(view_class, shadow=True)  # its setup DDL, in bulk
        position = self.store.position(shadow.tracking_name)
        self.store.swap(view_class)
        logger.info("view %s rebuilt to position %s", name, position)
        return position


def analyze_log(recorder: object) -> None:
    """Before a rebuild reads the whole log: PostgreSQL's planner statistics
    of the events table. On a table never analyzed (autovacuum off, or a log
    just imported) a page of a view's topics is planned as a sort of every
    row after the page's start, spilled to disk, instead of a walk along
    the primary key. ANALYZE reads a bounded sample (at most 30,000 pages)."""
    if isinstance(recorder, PgApplicationRecorder):
        with recorder.datastore.cursor() as cursor:
            cursor.execute(f"ANALYZE {recorder.events_table}")


def progress_printer(label: str, write: Callable[[str], object]) -> Progress:
    """A progress callback: done/total, events/s and time left."""
    started = time.monotonic()

    def show(done: int, total: int) -> None:
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = done / elapsed
        left = (total - done) / rate if rate > 0 else 0.0
        percent = 100 * done / total if total else 100.0
        write(
            f"\r{label}: {done:,}/{total:,} ({percent:5.1f} %), "
            f"{rate:,.0f} events/s, {left:,.0f} s left"
        )

    return show
