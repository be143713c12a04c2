"""The relay: publishes every event of the log to Kafka, in log order.

What must hold:
- At least once. A batch's position is saved only after the broker has
  acknowledged every record of it and of every batch before it; a crash, a
  lost broker or a lost database at any moment leads to the unsaved batches
  being sent again, never to a skipped event. Up to ``max_pending`` batches
  are in flight at once (sending the next while the broker acknowledges the
  last), so the producer never waits for the log or the other way round.
- In order per key. Events are sent in log order through one idempotent
  producer with one request in flight and retries without a deadline, so a
  record is never overtaken by a later one of its aggregate. When a send
  fails, the relay waits for every record already handed to the producer
  before it sends the batch again: a re-sent event can only follow its first
  copy, so a consumer deduplicating on ``id`` sees each event once, in order.
- Progress lives in the database beside the views' positions
  (``kafka_relay.<prefix>``); a restart resumes there. Run one relay per
  database and prefix: a second one does no harm but sends duplicates.
- The ledger's checkpoints go to ``<prefix>.audit.checkpoints``
  (``infra.kafka.checkpoints``), each only after the events up to its
  position were acknowledged and saved, with progress of their own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError

from infra.kafka.checkpoints import CheckpointFeed, checkpoint_topic
from infra.kafka.cloudevents import CloudEventEncoder, Message
from infra.kafka.producer import KafkaConfig, Topics, new_producer
from infra.kafka.schemas import catalogue
from infra.view_store import ViewStore
from projections.runner import Log, Progress, Status

logger = logging.getLogger(__name__)


BATCH_SIZE = 5000  # events read, encoded and sent at a time
MAX_PENDING = 2  # batches sent, besides the newest, before waiting for acks


def all_topics(prefix: str) -> set[str]:
    """The topic of every aggregate type that has published events, and the
    ledger's checkpoints."""
    topics = {f"{prefix}.{s.aggregate}" for s in catalogue().values()}
    return topics | {checkpoint_topic(prefix)}


class Stopped(Exception):
    """The relay was asked to stop while records were unacknowledged."""


@dataclass
class Pending:
    """A batch handed to the producer and not yet saved as acknowledged."""

    end: int  # the position of its last event
    futures: list[Any]
    topics: set[str]


class Relay:
    def __init__(
        self,
        log: Log,
        store: ViewStore,
        config: KafkaConfig,
        *,
        batch_size: int = BATCH_SIZE,
        max_pending: int = MAX_PENDING,
        poll_interval: float = 1.0,
        ack_wait: float = 5.0,
        producer_factory: Callable[[KafkaConfig], KafkaProducer] = new_producer,
    ) -> None:
        self.log = log
        self.store = store
        self.config = config
        self.batch_size = batch_size
        self.max_pending = max_pending
        self.poll_interval = poll_interval
        self.ack_wait = ack_wait
        self.producer_factory = producer_factory
        self.tracking_name = f"kafka_relay.{config.prefix}"
        self.encoder = CloudEventEncoder(log.mapper, config.prefix)
        self.topics = Topics(config)
        self.checkpoints = CheckpointFeed(log.recorder, store, config.prefix)
        self.wake = threading.Event()
        self.last_error: str | None = None
        self._producer: KafkaProducer | None = None
        self._pending: deque[Pending] = deque()
        self._checkpoint_batch: Pending | None = None  # sent, not yet saved
        self._creator: threading.Thread | None = None
        self._made_topics = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._behind_since: float | None = None
        with store.transaction() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {store.positions}"
                " (name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
            )

    def position(self) -> int:
        return self.store.position(self.tracking_name)

    def head(self) -> int:
        return int(self.log.recorder.max_notification_id() or 0)

    def step(self, until: int | None = None) -> int:
        """Sends the next batch and saves the position of every batch the
        broker has acknowledged, in order; returns how far the sent position
        moved (0: everything up to the head is sent, acknowledged and saved)."""
        if not self._made_topics:  # every type's topic, before the first send:
            self.topics.ensure(all_topics(self.config.prefix))  # subscribers
            self._made_topics = True  # (and views fed from Kafka) see them all
        head = self.head() if until is None else min(self.head(), until)
        start = self._pending[-1].end if self._pending else self.position()
        notifications = []
        if start < head:
            notifications = self.log.recorder.select_notifications(
                start=start, limit=self.batch_size, stop=head, inclusive_of_start=False
            )
        if not notifications:
            self._settle_all()
            self._publish_checkpoints(settle=True)
            return 0
        end = int(notifications[-1].id)
        self._send([self.encoder.message(n) for n in notifications], end)
        while len(self._pending) > self.max_pending:
            self._await(self._pending[0])
            self._save_acknowledged()
        self._save_acknowledged()
        self._publish_checkpoints()
        return end - start

    def _publish_checkpoints(self, settle: bool = False) -> None:
        """Saves the progress of the checkpoints the broker acknowledged, then
        sends the next ones up to the saved (acknowledged) event position,
        one batch in flight at a time; ``settle`` waits for the broker until
        every due checkpoint is saved. A failed record: everything sent is
        settled and the error raised (the next step sends again from the
        saved checkpoint)."""
        while True:
            batch = self._checkpoint_batch
            if batch is not None:
                if settle:
                    self._await(batch)
                if not all(f.is_done for f in batch.futures):
                    return
                self._checkpoint_batch = None
                failed = next((f for f in batch.futures if f.failed()), None)
                if failed is not None:
                    self._abandon()
                    raise failed.exception
                self.checkpoints.save(batch.end)
            messages = self.checkpoints.due(self.position())
            if not messages:
                return
            end = messages[-1].position
            self._checkpoint_batch = self._hand_over(messages, end)
            if not settle:
                return

    def _send(self, messages: Sequence[Message], end: int) -> None:
        """Hands a batch of events to the producer (no waiting for acks)."""
        self._pending.append(self._hand_over(messages, end))

    def _hand_over(self, messages: Sequence[Message], end: int) -> Pending:
        try:
            self.topics.ensure({m.topic for m in messages})
            producer = self.producer()
            futures = [
                producer.send(m.topic, key=m.key, value=m.value, headers=m.headers)
                for m in messages
            ]
        except BaseException:
            self._abandon()
            raise
        return Pending(end, futures, {m.topic for m in messages})

    def _await(self, batch: Pending) -> None:
        """Waits until every record of ``batch`` is acknowledged or failed.
        The producer retries on its own meanwhile; the relay says so, and
        makes sure the topics exist (a broker that lost them gets them)."""
        started = time.monotonic()
        for future in batch.futures:
            while not future.is_done:
                try:
                    future.get(timeout=self.ack_wait)
                except KafkaTimeoutError:
                    self._still_waiting(started, batch.topics)
                except Exception:
                    break  # failed: _save_acknowledged raises it

    def _still_waiting(self, started: float, topics: set[str]) -> None:
        waited = time.monotonic() - started
        self.last_error = f"broker has not acknowledged for {waited:.0f} s"
        logger.warning("kafka relay: %s; still retrying", self.last_error)
        if self._stop.is_set():
            self._pending.clear()
            self._checkpoint_batch = None
            self._drop_producer()
            raise Stopped("stopped with records unacknowledged")
        self._recreate_topics(topics)

    def _recreate_topics(self, topics: set[str]) -> None:
        """Creates the topics again if absent (a broker that lost them), in a
        thread of its own: an admin client can hang on a broker that does not
        answer, and the relay must keep watching its records meanwhile."""
        if self._creator is not None and self._creator.is_alive():
            return

        def create() -> None:
            try:
                self.topics.create(topics)
            except Exception as e:  # the broker is still away: next time
                logger.info("kafka relay: cannot check topics yet: %s", e)

        self._creator = threading.Thread(target=create, daemon=True)
        self._creator.start()

    def _save_acknowledged(self) -> None:
        """Saves the end of the last batch that, with all before it, the
        broker acknowledged. A failed record: everything sent is settled,
        nothing after it saved, and the error raised (the caller sends again
        from the saved position)."""
        end = None
        while self._pending and all(f.is_done for f in self._pending[0].futures):
            batch = self._pending[0]
            failed = next((f for f in batch.futures if f.failed()), None)
            if failed is not None:
                self._save(end)
                self._abandon()
                raise failed.exception
            end = self._pending.popleft().end
        self._save(end)

    def _save(self, end: int | None) -> None:
        if end is not None:
            with self.store.transaction() as cursor:
                self.store.save_position(cursor, self.tracking_name, end)

    def _settle_all(self) -> None:
        for batch in list(self._pending):
            self._await(batch)
        self._save_acknowledged()

    def _abandon(self) -> None:
        """After a failure: waits for every record handed to the producer (so
        nothing sent before can arrive after a re-sent copy), then forgets
        the unsaved batches and the producer."""
        for batch in [*self._pending, *filter(None, [self._checkpoint_batch])]:
            self._await(batch)
        self._pending.clear()
        self._checkpoint_batch = None
        self._drop_producer()

    def producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = self.producer_factory(self.config)
        return self._producer

    def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=0)

    def catch_up(
        self, until: int | None = None, progress: Progress | None = None
    ) -> int:
        """Publishes everything up to ``until`` (default: the head now)."""
        target = until if until is not None else self.head()
        moved = 0
        while (step := self.step(target)) > 0:
            moved += step
            if progress is not None:
                progress(self.position(), target)
        return moved

    def run(self, stop: threading.Event | None = None) -> None:
        """Follows the log until stopped; a failed batch is retried with
        backoff (0.1 s doubling to 10 s)."""
        stop = stop or self._stop
        backoff = 0.1
        while not stop.is_set() and not self._stop.is_set():
            try:
                moved = self.step()
                self.last_error = None
                backoff = 0.1
            except Stopped:
                break
            except Exception as e:  # nothing was tracked: the batch goes again
                self.last_error = f"{type(e).__name__}: {e}"
                logger.warning("kafka relay: %s; retrying", self.last_error)
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if moved == 0:
                self.wake.wait(self.poll_interval)
                self.wake.clear()

    def start(self) -> None:
        """Runs the relay in a thread (``sfa serve``); a second call does nothing."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.run, name="kafka-relay", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.ack_wait + 10)
            self._thread = None

    def close(self) -> None:
        self.stop()
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.flush(timeout=5)
            except KafkaError:
                logger.warning("kafka relay: closing with records unacknowledged")
            producer.close(timeout=0)

    def status(self) -> Status:
        position, head = self.position(), self.head()
        now = time.monotonic()
        if position >= head:
            self._behind_since = None
        elif self._behind_since is None:
            self._behind_since = now
        lag = now - self._behind_since if self._behind_since else 0.0
        return Status(
            "kafka relay",
            position,
            head,
            max(head - position, 0),
            round(lag, 3),
            self.last_error,
        )
