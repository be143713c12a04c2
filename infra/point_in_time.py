"""Views as they stood at a past moment or position, rebuilt beside the live
ones (``sfa projections rebuild NAME --as-of ... --into ...``).

What must hold:

- A view rebuilt as of position P holds exactly the rows the live view held
  when it had applied P: a view reads only the events and its own tables,
  and applies events in log order.
- As of a moment T means as of the last position before the first event
  that occurred after T (``occurred_at``; writers number events in commit
  order, and an event's time is taken just before its commit).
- It never touches the live views: the target is another PostgreSQL schema
  or a separate SQLite file, and the live ones are refused as targets.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from commands.application import SalesApplication
from infra.pg_datastore import PgDatastore
from infra.settings import Settings
from infra.view_store import PgViewStore, SQLiteViewStore, ViewStore
from projections.runner import Progress, Runner
from projections.view import View

SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
LIVE_SCHEMAS = frozenset({"projections", "public", "pg_catalog", "information_schema"})


class BadTarget(ValueError):
    """The ``--as-of`` or ``--into`` value cannot be used; says why."""


def parse_as_of(text: str) -> int | datetime:
    """A position (digits) or an ISO 8601 moment (no zone: UTC)."""
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadTarget(f"--as-of {text!r}: a position or an ISO time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def position_at(app: SalesApplication, moment: datetime, page: int = 1000) -> int:
    """The last position before the first event that occurred after
    ``moment`` (0: none occurred by then)."""
    position = 0
    while True:
        found = app.recorder.select_notifications(
            position, page, inclusive_of_start=False
        )
        for notification in found:
            event: Any = app.mapper.to_domain_event(notification)
            if event.timestamp > moment:
                return position
            position = notification.id
        if len(found) < page:
            return position


def target_store(settings: Settings, into: str) -> ViewStore:
    """A schema name (PostgreSQL) or else a SQLite file path."""
    if settings.database_url and SCHEMA_NAME.match(into):
        if into in LIVE_SCHEMAS:
            raise BadTarget(f"--into {into}: that schema holds live tables")
        return PgViewStore(PgDatastore(settings.database_url, schema=into), into)
    path = Path(into)
    if path.resolve() == settings.sqlite_path.resolve():
        raise BadTarget(f"--into {into}: that file holds the live views")
    if path.is_dir():
        raise BadTarget(f"--into {into}: a directory, not a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteViewStore(path)


def rebuild_as_of(
    app: SalesApplication,
    view_class: type[View],
    store: ViewStore,
    until: int,
    progress: Progress | None = None,
) -> int:
    """Rebuilds ``view_class`` from zero into ``store`` up to ``until``;
    returns the position it stands at."""
    store.create(view_class)  # the positions table, on a new target
    store.drop(view_class, shadow=False)
    runner = Runner(view_class(), store, app)
    runner.catch_up(until=until, progress=progress)
    return store.position(runner.tracking_name)
