"""The write side's application: the only object that saves aggregates."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application


class SalesApplication(Application[UUID]):
    """Every command handler loads and saves through this application.

    Its name prefixes the store's tables: ``sfa_events``, ``sfa_snapshots``.
    """

    name = "sfa"
