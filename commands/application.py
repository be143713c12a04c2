"""The write side's application: the only object that saves aggregates."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Transcoding


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class SalesApplication(Application[UUID]):
    """Every command handler loads and saves through this application.

    Its name prefixes the store's tables: ``sfa_events``, ``sfa_snapshots``.
    """

    name = "sfa"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
