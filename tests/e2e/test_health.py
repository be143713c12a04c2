"""``GET /health`` through HTTP, and ``sfa serve`` as a user starts it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from eventsourcing.domain import Aggregate
from fastapi.testclient import TestClient

from api.main import create_app
from infra.bootstrap import Container, bootstrap
from infra.settings import Settings


def client_for(settings: Settings) -> Iterator[tuple[TestClient, Container]]:
    container = bootstrap(settings)
    with TestClient(create_app(lambda: container)) as client:
        yield client, container


@pytest.fixture
def sqlite_client(tmp_path: Path) -> Iterator[tuple[TestClient, Container]]:
    yield from client_for(Settings(sqlite_path=tmp_path / "var" / "sfa.db"))


@pytest.fixture
def postgres_client(postgres_url: str) -> Iterator[tuple[TestClient, Container]]:
    yield from client_for(Settings(database_url=postgres_url))


class TestHealth:
    def test_sqlite_default(self, sqlite_client: tuple[TestClient, Container]) -> None:
        client, container = sqlite_client
        assert client.get("/health").json() == {
            "status": "ok",
            "store": "sqlite",
            "reachable": True,
            "head_position": 1,  # the default pipeline, recorded at first start
            "error": None,
        }
        container.app.save(Aggregate())
        assert client.get("/health").json()["head_position"] == 2

    def test_first_start_records_the_default_pipeline_once(
        self, tmp_path: Path
    ) -> None:
        settings = Settings(sqlite_path=tmp_path / "sfa.db")
        for _ in range(2):
            container = bootstrap(settings)
            assert container.app.recorder.max_notification_id() == 1
            container.close()

    def test_postgres(self, postgres_client: tuple[TestClient, Container]) -> None:
        client, container = postgres_client
        before = client.get("/health").json()
        assert before["store"] == "postgres" and before["reachable"] is True
        container.app.save(Aggregate())
        after = client.get("/health").json()
        assert after["head_position"] == before["head_position"] + 1

    def test_unreachable_store_is_503(
        self, postgres_client: tuple[TestClient, Container]
    ) -> None:
        client, container = postgres_client
        datastore = container.app.recorder.datastore  # type: ignore[attr-defined]
        datastore.close()
        answer = client.get("/health")
        assert answer.status_code == 503
        assert answer.json()["reachable"] is False
        assert answer.json()["error"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sfa_serve(cwd: Path, *flags: str, **env: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SFA_")}
    environ.update(env, SFA_PORT=str(port))
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", *flags],
        cwd=cwd,
        env={**environ, "PYTHONPATH": str(Path(__file__).parents[2])},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, port


def wait_for_health(port: int) -> httpx.Response:
    deadline = time.monotonic() + 20
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class TestSfaServe:
    def test_runs_on_the_embedded_default(self, tmp_path: Path) -> None:
        """Given nothing configured, `sfa serve` runs on ./var/sfa.db, prints
        its URL and a development token, and answers /health."""
        process, port = sfa_serve(tmp_path)
        try:
            assert wait_for_health(port).json()["store"] == "sqlite"
        finally:
            process.terminate()
            output, _ = process.communicate(timeout=10)
        assert (tmp_path / "var" / "sfa.db").exists()
        assert f"http://127.0.0.1:{port}" in output
        assert "development admin token: " in output

    def test_runs_on_postgres(self, tmp_path: Path, postgres_url: str) -> None:
        process, port = sfa_serve(tmp_path, SFA_DATABASE_URL=postgres_url)
        try:
            assert wait_for_health(port).json()["store"] == "postgres"
        finally:
            process.terminate()
            process.communicate(timeout=10)

    def test_no_views_records_writes_and_leaves_the_views_behind(
        self, tmp_path: Path
    ) -> None:
        """``--no-views``: writes are recorded as ever; no view follows the
        log in this process (``sfa projections run`` would, beside it): the
        views that handle the write stay behind it."""
        tokens = '{"t": {"name": "root", "roles": ["admin"]}}'
        process, port = sfa_serve(tmp_path, "--no-views", SFA_API_TOKENS=tokens)
        try:
            wait_for_health(port)
            url, auth = f"http://127.0.0.1:{port}", {"Authorization": "Bearer t"}
            made = httpx.post(f"{url}/accounts", json={"name": "Acme"}, headers=auth)
            assert made.status_code == 201
            time.sleep(1.5)  # longer than the views' poll interval
            views = httpx.get(f"{url}/projections", headers=auth).json()
        finally:
            process.terminate()
            output, _ = process.communicate(timeout=10)
        behind = {v["name"] for v in views if v["position"] < made.json()["position"]}
        assert {"lists", "territories"} <= behind
        assert "views not followed here" in output

    @pytest.mark.parametrize(
        ("key", "value"),
        [
            ("SFA_PORT", "not-a-port"),
            ("SFA_DATABASE_URL", "mysql://x"),
            ("SFA_API_TOKENS", "{not json"),
        ],
    )
    def test_bad_configuration_is_named(
        self, tmp_path: Path, key: str, value: str
    ) -> None:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("SFA_")}
        result = subprocess.run(
            [sys.executable, "-m", "api.cli", "serve"],
            cwd=tmp_path,
            env={**environ, key: value, "PYTHONPATH": str(Path(__file__).parents[2])},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 2
        assert key in result.stderr
