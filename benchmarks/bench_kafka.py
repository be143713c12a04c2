"""Kafka relay speed: throughput against a bare producer, and end-to-end latency.

In one run, on one log of realistic events (benchmarks.projections_workload)
in PostgreSQL and one broker (SFA_KAFKA_BOOTSTRAP, else a Tansu the run
starts, as the tests do):
  (a) the relay (infra/kafka/relay.py) publishing the whole log from position
      0 to fresh topics: read, encode as CloudEvents, send, wait for the
      acknowledgements, save the position, batch after batch;
  (b) the ceiling: a bare kafka-python producer with the same settings
      (infra/kafka/producer.py) sending the same messages, already encoded,
      to fresh topics of the same partitions, then one flush;
  contenders take turns (round n of each before round n+1 of any);
  (c) end-to-end latency: commands (register a contact) through the command
      layer at a steady --rate per second, the relay running in-process as in
      `sfa serve`, a kafka-python consumer reading every partition; for each
      command, the time from its start until the consumer has its event.
Targets (issue 8): (a)/(b) at least 0.5; (c) p99 under 500 ms.

    python -m benchmarks.bench_kafka [--events N | --quick] [--rounds R]

The database comes from SFA_BENCH_DATABASE_URL, else SFA_TEST_DATABASE_URL
(default: local `test`); the run uses schema bench_kafka (dropped before) and
the relay's row in projections.positions.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg2
from kafka import KafkaConsumer, TopicPartition

from benchmarks.projections_workload import progress_line, record_log
from commands import contacts
from commands.application import SalesApplication
from commands.base import Caller, Context, execute
from infra.kafka.cloudevents import CloudEventEncoder, Message, event_id
from infra.kafka.producer import KafkaConfig, Topics, new_producer
from infra.kafka.relay import Relay
from infra.pg_datastore import PgDatastore
from infra.settings import Settings
from infra.view_store import PgViewStore

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_kafka"
FETCH_WAIT_MS = 20  # how long a fetch may wait at the broker for data
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Plan:
    events: int
    rounds: int
    rate: float
    seconds: float


def parse_args(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000, help="log size")
    parser.add_argument("--rounds", type=int, default=2, help="turns of (a), (b)")
    parser.add_argument("--rate", type=float, default=200.0, help="commands/s")
    parser.add_argument("--seconds", type=float, default=30.0, help="of (c)")
    parser.add_argument("--quick", action="store_true", help="smoke run, 10,000")
    args = parser.parse_args(argv)
    if args.quick:
        return Plan(10_000, 1, args.rate, 5.0)
    return Plan(args.events, args.rounds, args.rate, args.seconds)


def database_url() -> str:
    env = os.environ
    return env.get("SFA_BENCH_DATABASE_URL") or env.get(
        "SFA_TEST_DATABASE_URL", DEFAULT_URL
    )


@contextmanager
def broker() -> Iterator[str]:
    given = os.environ.get("SFA_KAFKA_BOOTSTRAP")
    if given:
        yield given
        return
    from tests.kafka_broker import kafka_broker

    with kafka_broker() as bootstrap:
        yield bootstrap


def fresh_app(url: str) -> SalesApplication:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as curs:
        curs.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    conn.close()
    env = Settings(database_url=url).persistence_env()
    return SalesApplication(env={**env, "SFA_DB_SCHEMA": SCHEMA})


def config(bootstrap: str) -> KafkaConfig:
    return KafkaConfig(bootstrap=bootstrap, prefix=f"bench{uuid.uuid4().hex[:8]}")


def relay_round(app: SalesApplication, url: str, bootstrap: str, head: int) -> float:
    """(a): seconds for the relay to publish the whole log."""
    store = PgViewStore(PgDatastore(url, schema="projections"))
    relay = Relay(app, store, config(bootstrap))
    try:
        started = time.perf_counter()
        relay.catch_up(head, progress=progress_line("(a) relay"))
        return time.perf_counter() - started
    finally:
        relay.close()
        store.close()


def encoded(app: SalesApplication, head: int) -> list[Message]:
    encoder = CloudEventEncoder(app.mapper)
    messages: list[Message] = []
    while len(messages) < head:
        page = app.recorder.select_notifications(
            start=len(messages), limit=5000, inclusive_of_start=False
        )
        messages += [encoder.message(n) for n in page]
    return messages


def bare_round(messages: list[Message], bootstrap: str) -> float:
    """(b): seconds for a bare producer to send the same, encoded messages."""
    settings = config(bootstrap)
    names = {m.topic.split(".", 1)[1] for m in messages}
    topics = {f"{settings.prefix}.{name}" for name in names}
    Topics(settings).ensure(topics)
    producer = new_producer(settings)
    show = progress_line("(b) bare producer")
    try:
        started = time.perf_counter()
        for n, m in enumerate(messages, 1):
            topic = f"{settings.prefix}.{m.topic.split('.', 1)[1]}"
            producer.send(topic, key=m.key, value=m.value, headers=m.headers)
            if n % 1000 == 0:
                show(n, len(messages))
        producer.flush()
        show(len(messages), len(messages))
        return time.perf_counter() - started
    finally:
        producer.close()


class Receiver(threading.Thread):
    """Reads every partition of the topics from their end; notes when each
    event id arrives."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(daemon=True)
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, fetch_max_wait_ms=FETCH_WAIT_MS
        )
        partitions = self.consumer.partitions_for_topic(topic) or set()
        self.consumer.assign([TopicPartition(topic, p) for p in partitions])
        self.consumer.seek_to_end()
        for tp in self.consumer.assignment():
            self.consumer.position(tp)  # resolve "end" now, before commands
        self.arrived: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for records in self.consumer.poll(timeout_ms=100).values():
                now = time.perf_counter()
                for r in records:
                    headers = dict(r.headers)
                    self.arrived.setdefault(headers["ce_id"].decode(), now)


def latency(app: SalesApplication, url: str, bootstrap: str, plan: Plan) -> list[float]:
    """(c): milliseconds from each command's start to its event's arrival."""
    settings = config(bootstrap)
    store = PgViewStore(PgDatastore(url, schema="projections"))
    relay = Relay(app, store, settings, poll_interval=1.0)
    relay.catch_up()  # start at the head: only the commands' events are sent
    Topics(settings).ensure({f"{settings.prefix}.contact"})
    app.after_save.append(relay.wake.set)
    receiver = Receiver(bootstrap, f"{settings.prefix}.contact")
    receiver.start()
    relay.start()
    sent: dict[str, float] = {}
    ctx = Context(Caller("bench", frozenset({"admin"})))
    interval, count = 1.0 / plan.rate, int(plan.rate * plan.seconds)
    started = time.perf_counter()
    try:
        for n in range(count):
            time.sleep(max(0.0, started + n * interval - time.perf_counter()))
            begun = time.perf_counter()
            command = contacts.RegisterContact(given_name="Ada", family_name=f"L{n}")
            outcome = execute(contacts.register_contact, app, command, ctx)
            sent[event_id(outcome.aggregate.id, 1)] = begun
        deadline = time.perf_counter() + 30
        while not sent.keys() <= receiver.arrived.keys():
            assert time.perf_counter() < deadline, "events did not all arrive"
            time.sleep(0.05)
    finally:
        receiver.stop.set()
        receiver.join()
        relay.close()
        store.close()
        app.after_save.remove(relay.wake.set)
    return sorted((receiver.arrived[i] - t) * 1000 for i, t in sent.items())


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(p * len(values)))]


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    # a stopped run still stops the broker it started (the context's finally)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    url = database_url()
    app = fresh_app(url)
    head = record_log(app, plan.events, progress=progress_line("recording the log"))
    with broker() as bootstrap:
        messages = encoded(app, head)
        relay_s, bare_s = [], []
        for _ in range(plan.rounds):
            relay_s.append(relay_round(app, url, bootstrap, head))
            bare_s.append(bare_round(messages, bootstrap))
        waits = latency(app, url, bootstrap, plan)
    app.close()
    relay_rate = head / statistics.median(relay_s)
    bare_rate = head / statistics.median(bare_s)
    p50, p99 = percentile(waits, 0.50), percentile(waits, 0.99)
    print(f"\nKafka relay, {head:,} events, {plan.rounds} round(s) each (median)")
    print(f"{'figure':<44}{'events/s':>12}{'ratio':>8}")
    print(
        f"{'(b) bare kafka-python producer (ceiling)':<44}{bare_rate:>12,.0f}{1:>8.2f}"
    )
    ratio = relay_rate / bare_rate
    print(f"{'(a) relay from the log':<44}{relay_rate:>12,.0f}{ratio:>8.2f}")
    print(
        f"(c) command -> consumer at {plan.rate:.0f}/s for {plan.seconds:.0f} s "
        f"({len(waits)} commands): p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print(
        f"targets: ratio >= 0.5 ({'met' if ratio >= 0.5 else 'NOT met'}), "
        f"p99 < 500 ms ({'met' if p99 < 500 else 'NOT met'})"
    )
    write_results(plan, head, relay_rate, bare_rate, p50, p99)
    return 0


def write_results(
    plan: Plan, head: int, relay: float, bare: float, p50: float, p99: float
) -> None:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"kafka-{stamp}.json"
    figures = {
        "events": head,
        "rounds": plan.rounds,
        "relay_events_per_s": relay,
        "bare_producer_events_per_s": bare,
        "ratio": relay / bare,
        "latency_rate_per_s": plan.rate,
        "latency_p50_ms": p50,
        "latency_p99_ms": p99,
    }
    path.write_text(json.dumps(figures, indent=1))
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
