"""The relay: publishes every event of the log to Kafka, in log order.

What must hold:
- At least once. A batch's position is saved only after the broker has
  acknowledged every record of it; a crash, a lost broker or a lost database
  at any moment leads to the batch being sent again, never to a skipped event.
- In order per key. Events are sent in log order through one idempotent
  producer with one request in flight and retries without a deadline, so a
  record is never overtaken by a later one of its aggregate. When a send
  fails, the relay waits for every record already handed to the producer
  before it sends the batch again: a re-sent event can only follow its first
  copy, so a consumer deduplicating on ``id`` sees each event once, in order.
- Progress lives in the database beside the views' positions
  (``kafka_relay.<prefix>``); a restart resumes there. Run one relay per
  database and prefix: a second one does no harm but sends duplicates.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError

from infra.kafka.cloudevents import CloudEventEncoder, Message
from infra.kafka.producer import KafkaConfig, Topics, new_producer
from infra.view_store import ViewStore
from projections.runner import Log, Progress, Status

logger = logging.getLogger(__name__)


class Stopped(Exception):
    """The relay was asked to stop while records were unacknowledged."""


class Relay:
    def __init__(
        self,
        log: Log,
        store: ViewStore,
        config: KafkaConfig,
        *,
        batch_size: int = 1000,
        poll_interval: float = 1.0,
        ack_wait: float = 5.0,
        producer_factory: Callable[[KafkaConfig], KafkaProducer] = new_producer,
    ) -> None:
        self.log = log
        self.store = store
        self.config = config
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.ack_wait = ack_wait
        self.producer_factory = producer_factory
        self.tracking_name = f"kafka_relay.{config.prefix}"
        self.encoder = CloudEventEncoder(log.mapper, config.prefix)
        self.topics = Topics(config)
        self.wake = threading.Event()
        self.last_error: str | None = None
        self._producer: KafkaProducer | None = None
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
        """Publishes one batch; returns how far the position moved (0: done)."""
        head = self.head() if until is None else min(self.head(), until)
        position = self.position()
        if position >= head:
            return 0
        notifications = self.log.recorder.select_notifications(
            start=position, limit=self.batch_size, stop=head, inclusive_of_start=False
        )
        if not notifications:
            return 0
        self.publish([self.encoder.message(n) for n in notifications])
        moved_to = int(notifications[-1].id)
        with self.store.transaction() as cursor:
            self.store.save_position(cursor, self.tracking_name, moved_to)
        return moved_to - position

    def publish(self, messages: Sequence[Message]) -> None:
        """Returns once the broker acknowledged every message; raises otherwise
        (after every message handed to the producer was settled)."""
        self.topics.ensure({m.topic for m in messages})
        producer = self.producer()
        futures: list[Any] = []
        try:
            for m in messages:
                futures.append(
                    producer.send(m.topic, key=m.key, value=m.value, headers=m.headers)
                )
        finally:
            self._settle(producer, messages)
        for future in futures:
            if future.failed():
                self._drop_producer()
                raise future.exception

    def _settle(self, producer: KafkaProducer, messages: Sequence[Message]) -> None:
        """Waits until every queued record is acknowledged or failed. The
        producer retries on its own; meanwhile the relay says so, and makes
        sure the topics exist (a broker that lost them gets them again)."""
        started = time.monotonic()
        while True:
            try:
                producer.flush(timeout=self.ack_wait)
                return
            except KafkaTimeoutError:
                waited = time.monotonic() - started
                self.last_error = f"broker has not acknowledged for {waited:.0f} s"
                logger.warning("kafka relay: %s; still retrying", self.last_error)
            if self._stop.is_set():
                self._drop_producer()
                raise Stopped("stopped with records unacknowledged")
            try:
                self.topics.create({m.topic for m in messages})
            except KafkaError as e:
                logger.info("kafka relay: cannot check topics yet: %s", e)

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
            producer.close(timeout=5)

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
