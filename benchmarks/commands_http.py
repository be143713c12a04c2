"""The command mix of bench_commands as HTTP requests, one client each."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from benchmarks.commands_mix import Worker
from benchmarks.raw_http import RawClient, Response


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
