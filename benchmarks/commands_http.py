"""The command mix of bench_commands as HTTP requests, one client each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx

from benchmarks.commands_mix import Worker
from benchmarks.http_load import closed_loop
from benchmarks.raw_http import RawClient, Response

TOKEN = "bench-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
SERVER_SETTINGS = {
    "SFA_DATABASE_URL",
    "SFA_SQLITE_PATH",
    "SFA_DB_SCHEMA",
    "SFA_API_TOKENS_FILE",
    "SFA_HOST",
}


def start_server(
    settings: dict[str, str], port: int, log: Path, *flags: str
) -> subprocess.Popen[bytes]:
    """``sfa serve`` on ``port`` with the store ``settings`` (``SFA_...``
    variables: this environment's store and tokens are not passed on) and
    an admin token, ``TOKEN``; returns once it answers."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in SERVER_SETTINGS},
        **settings,
        "SFA_PORT": str(port),
        "SFA_API_TOKENS": json.dumps({TOKEN: {"name": "bench", "roles": ["admin"]}}),
    }
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", *flags],
            env=env,
            stdout=out,
            stderr=out,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/livez", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"sfa serve did not start; see {log}")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_load(
    pid: int, port: int, steps: list[Any], per_client: int
) -> dict[str, Any]:
    """The load's summary, with the server's CPU milliseconds per request
    (the server's own cost, whatever else the machine is running)."""
    before = cpu_seconds(pid)
    load = closed_loop(port, HEADERS, steps, per_client)
    after = cpu_seconds(pid)
    summary: dict[str, Any] = load.summary()
    if before is not None and after is not None:
        summary["server_cpu_ms"] = round((after - before) * 1000 / load.requests, 3)
    return summary


async def livez(client: RawClient) -> Response:
    return await client.get("/livez")


class HttpWorker:
    """Sends what ``Worker`` would run, to the server, in the same proportions."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.planned = worker.planned  # what ``next_kind`` looks at

    async def step(self, client: RawClient) -> Response:
        kind = self.worker.next_kind()
        fixture = self.worker.fixture
        if kind == "register":
            body = {
                "given_name": "Grace",
                "family_name": "Hopper",
                "emails": [f"g{uuid4().hex[:12]}@example.com"],
                "account_id": str(self.worker.next_customer()),
                "owner_id": str(fixture.rep_id),
            }
            return await client.post("/contacts", json=body)
        if kind == "plan":
            when = datetime.now(UTC) + timedelta(days=1)
            body = {
                "kind": "call",
                "purpose": "prospecting",
                "account_id": str(self.worker.next_customer()),
                "owner_id": str(fixture.rep_id),
                "scheduled_at": when.isoformat(),
            }
            answer = await client.post("/activities", json=body)
            if answer.status_code == 201:
                self.planned.append(UUID(answer.json()["id"]))
            return answer
        if kind == "complete":
            done = {"outcome": "connected", "duration_minutes": 12}
            path = f"/activities/{self.planned.pop()}/complete"
            return await client.post(path, json=done)
        deal, stage = self.worker.next_move()
        return await client.post(f"/opportunities/{deal}/stage", json={"stage": stage})
