"""The write side's application: the only object that saves aggregates."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent, Repository
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Recording,
    Transcoding,
)
from eventsourcing.utils import EnvType, get_topic

from commands.transcoder import FastJSONTranscoder
from commands.write_cache import WriteCache
from domain.outreach_rules import Policy

TRANSCODER = get_topic(FastJSONTranscoder)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def project(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply events in order. The library's projector checks a runtime
    Protocol on every event, which costs more than applying it."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class SalesRepository(Repository[UUID]):
    def get(
        self, aggregate_id: UUID, *, projector_func: Any = project, **kwargs: Any
    ) -> Any:
        return super().get(aggregate_id, projector_func=projector_func, **kwargs)


class SalesApplication(Application[UUID]):
    """Every command handler loads and saves through this application.

    Its name prefixes the store's tables: ``sfa_events``, ``sfa_snapshots``.
    Aggregates are read from the store, except that a command changing a
    record this process saved may start from a copy of it, and one checking
    a record this process saved or checked may check a copy of it
    (``commands.write_cache``: the save's version checks prove them current).
    (The library's cache, ``AGGREGATE_CACHE_MAXSIZE``, serialises loads of
    one record behind a lock; with short histories it measured slower under
    concurrent commands: see benchmarks/bench_commands.py.)
    """

    name = "sfa"
    env: ClassVar[dict[str, str]] = {"TRANSCODER_TOPIC": TRANSCODER}  # orjson

    def __init__(self, env: EnvType | None = None) -> None:
        super().__init__(env)
        self.after_save: list[Callable[[], None]] = []  # e.g. wake the relay
        # called with the topics of the events a save recorded (the views)
        self.after_save_topics: list[Callable[[set[str]], None]] = []
        # records saved last, lent to the next command changing them (None: off)
        self.write_cache: WriteCache | None = WriteCache()
        # whether the store checks the records a save relied on: they are lent too
        self.checks_expected_versions = bool(
            getattr(self.recorder, "checks_expected_versions", False)
        )
        self.outreach_policy = Policy()  # the guard's windows and cap (settings)
        # ids of existing records a lead being imported is likely to be (the
        # dedup view's finder, set by ``infra.bootstrap.assemble``)
        self.lead_duplicates: Callable[[Any], list[UUID]] = lambda lead: []
        # commands for one customer take turns in this process (None: they race)
        self.outreach_turns: list[threading.Lock] | None = [
            threading.Lock() for _ in range(256)
        ]

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's save, for aggregates only (``None`` is skipped): its
        runtime Protocol check of each object costs more than collecting it.
        A write refused only because personal-data keys it brought were
        stored first (``seal_again``) is mapped and written once more."""
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in objs:
            if aggregate is not None:
                processing.events.extend(aggregate.collect_events())
                processing.aggregates[aggregate.id] = aggregate
        processing.saved_kwargs.update(kwargs)
        try:
            recordings = self._record(processing)
        except IntegrityError as e:
            if not getattr(e, "seal_again", False):  # keys taken: sealed again once
                raise
            recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)
        for listener in self.after_save:
            listener()
        if self.after_save_topics:
            topics = {r.notification.topic for r in recordings}
            for wake in self.after_save_topics:
                wake(topics)
        return recordings

    def construct_repository(self) -> Repository[UUID]:
        maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return SalesRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(maxsize) if maxsize else None,
            fastforward=True,
            deepcopy_from_cache=True,
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
