"""Follow the PostgreSQL log: woken by NOTIFY, and polling too.

A NOTIFY can be lost (the listening connection drops, or a row arrives by
another path). So the listener also wakes the reader every ``poll_interval``
seconds, and reconnects after a lost connection, waking the reader then.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import psycopg2
from eventsourcing.persistence import ListenNotifySubscription, PersistenceError

from infra.pg_datastore import quote_ident

if TYPE_CHECKING:
    from infra.pg_recorders import PgApplicationRecorder

logger = logging.getLogger(__name__)

_TICK = 0.1  # how often the listener checks whether it was stopped


class PgSubscription(ListenNotifySubscription["PgApplicationRecorder"]):
    def __init__(
        self,
        recorder: PgApplicationRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._poll_interval = recorder.datastore.poll_interval
        self._listen_thread = threading.Thread(target=self._listen, daemon=True)
        self._listen_thread.start()

    def __exit__(self, *args: object, **kwargs: Any) -> None:
        try:
            super().__exit__(*args, **kwargs)
        finally:
            self._listen_thread.join()

    def _listen(self) -> None:
        backoff = _TICK
        while not self._has_been_stopped:
            try:
                self._listen_on_one_connection()
                backoff = _TICK
            except (psycopg2.Error, PersistenceError, OSError) as e:
                logger.warning("log listener lost its connection: %s", e)
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _listen_on_one_connection(self) -> None:
        conn = self._recorder.datastore.connect()
        try:
            with conn.cursor() as curs:
                curs.execute(f"LISTEN {quote_ident(self._recorder.channel_name)}")
            self._has_been_notified.set()  # catch up on what came meanwhile
            last_wake = time.monotonic()
            while not self._has_been_stopped:
                readable, _, _ = select.select([conn], [], [], _TICK)
                if readable:
                    conn.poll()
                if conn.notifies or time.monotonic() - last_wake >= self._poll_interval:
                    conn.notifies.clear()
                    self._has_been_notified.set()
                    last_wake = time.monotonic()
        finally:
            with contextlib.suppress(psycopg2.Error):
                conn.close()
