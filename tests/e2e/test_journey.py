"""The story of issue 3, over HTTP only, on an engine as at first start.

A lead bought on a list is worked, qualified and converted with a deal; a
call is planned and completed with a follow-up meeting; the meeting is held;
the deal goes through every stage of the default pipeline and is won. Every
answer is checked (status, version, ETag, position strictly increasing), and
at the end each record's history: its events in order, who did each, and one
correlation id per request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from infra.bootstrap import bootstrap
from infra.settings import Settings
from tests.e2e.conftest import REP_ID, TOKENS, Engine, auth
from tests.unit.helpers import events_of

CALL_AT = "2030-05-06T09:30:00+02:00"
MEETING_AT = "2030-05-13T10:00:00+02:00"


@pytest.fixture
def first_start(tmp_path: Path) -> Iterator[Engine]:
    """As ``sfa serve`` starts: the default pipeline is recorded (seeded)."""
    settings = Settings(sqlite_path=tmp_path / "sfa.db", api_tokens=TOKENS)
    container = bootstrap(settings)
    with TestClient(create_app(lambda: container)) as client:
        yield Engine(client, container)


@dataclass
class Journey:
    """Sends writes and checks the conventions every answer must keep."""

    engine: Engine
    position: int
    writes: list[tuple[UUID, int]] = field(default_factory=list)

    def write(
        self,
        path: str,
        body: Any = None,
        *,
        status: int = 200,
        version: int,
        role: str = "rep",
        method: str = "POST",
        if_match: int | None = None,
    ) -> dict[str, Any]:
        headers = {**auth(role), "Idempotency-Key": str(uuid4())}
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        answer = self.engine.client.request(method, path, json=body, headers=headers)
        assert answer.status_code == status, (path, answer.text)
        out: dict[str, Any] = answer.json()
        assert out["version"] == version, path
        assert answer.headers["etag"] == f'"{version}"', path
        assert out["position"] > self.position, path
        assert out["position"] == self.engine.head(), path
        self.position = out["position"]
        self.writes.append((UUID(out.get("id") or out["lead_id"]), version))
        return out

    def read(self, path: str) -> dict[str, Any]:
        answer = self.engine.client.get(path, headers=auth("analyst"))
        assert answer.status_code == 200, path
        out: dict[str, Any] = answer.json()
        assert answer.headers["etag"] == f'"{out["version"]}"'
        return out


LEAD = {
    "given_name": "Grace",
    "family_name": "Hopper",
    "email": "Grace@Navy.Example",
    "company_name": "Navy Labs",
    "web_domain": "https://www.navy.example/",
    "title": "Commodore",
    "owner_id": str(REP_ID),
    "source": {
        "kind": "purchased_list",
        "list_name": "Expo 2030 visitors",
        "cost_per_lead": "1.25",
        "currency": "EUR",
    },
}


@dataclass
class Records:
    lead_id: UUID
    contact_id: UUID
    account_id: UUID
    deal_id: UUID
    call_id: UUID | None = None
    meeting_id: UUID | None = None


def work_qualify_and_convert(journey: Journey) -> Records:
    lead = journey.write("/leads", LEAD, status=201, version=1)
    url = f"/leads/{lead['id']}"
    assert (lead["list_name"], lead["cost_per_lead"]) == ("Expo 2030 visitors", "1.25")
    journey.write(f"{url}/work", version=2, if_match=1)
    journey.write(f"{url}/score", {"score": 80}, version=3, if_match=2)
    phone = {"phone": "+1 415 555 0100"}
    journey.write(url, phone, method="PATCH", version=4, if_match=3)
    journey.write(f"{url}/qualify", version=5, if_match=4)
    records = Records(UUID(lead["id"]), uuid4(), uuid4(), uuid4())
    conversion = {
        "contact_id": str(records.contact_id),
        "new_account_id": str(records.account_id),
        "create_opportunity": True,
        "opportunity_id": str(records.deal_id),
        "amount": "48000",
        "currency": "EUR",
        "expected_close_date": "2030-12-31",
    }
    out = journey.write(f"{url}/convert", conversion, status=201, version=6, if_match=5)
    assert out["status"] == "converted"
    assert (out["contact_version"], out["opportunity_version"]) == (1, 1)
    return records


def call_then_meet(journey: Journey, records: Records) -> None:
    call = {"kind": "call", "purpose": "qualification", "scheduled_at": CALL_AT}
    call |= {"contact_id": str(records.contact_id)}
    call |= {"account_id": str(records.account_id)}
    planned = journey.write("/activities", call, status=201, version=1)
    assert (planned["owner_id"], planned["status"]) == (str(REP_ID), "planned")
    follow_up = {"scheduled_at": MEETING_AT, "kind": "meeting", "purpose": "demo"}
    completion = {"outcome": "connected", "duration_minutes": 14}
    completion |= {"notes": "wants a demo", "follow_up": follow_up}
    url = f"/activities/{planned['id']}/complete"
    done = journey.write(url, completion, version=2, if_match=1)
    meeting = journey.read(f"/activities/{done['follow_up_id']}")
    assert (meeting["kind"], meeting["follows_id"]) == ("meeting", planned["id"])
    assert (meeting["contact_id"], meeting["status"]) == (call["contact_id"], "planned")
    held = {"outcome": "meeting_held", "duration_minutes": 60}
    url = f"/activities/{meeting['id']}/complete"
    journey.write(url, held, version=2, if_match=1)
    records.call_id, records.meeting_id = UUID(planned["id"]), UUID(meeting["id"])


def advance_and_win(journey: Journey, records: Records) -> list[str]:
    url = f"/opportunities/{records.deal_id}"
    stages = [s["key"] for s in journey.read("/pipelines/default")["stages"]]
    assert journey.read(url)["stage"] == stages[0]
    for version, stage in enumerate(stages[1:], start=2):
        body = {"stage": stage}
        moved = journey.write(
            f"{url}/stage", body, version=version, if_match=version - 1
        )
        assert moved["stage"] == stage
    last = len(stages)
    won = journey.write(f"{url}/win", version=last + 1, if_match=last)
    assert (won["status"], won["probability"], won["forecast_category"]) == (
        "won",
        100,
        "closed",
    )
    return stages


def test_a_bought_lead_becomes_a_won_deal(first_start: Engine) -> None:
    journey = Journey(first_start, first_start.head())
    assert journey.position == 1  # the default pipeline, recorded at first start
    ann = {"id": str(REP_ID), "name": "Ann Smith", "email": "ann@sfa.dev"}
    journey.write("/reps", ann, status=201, version=1, role="admin")
    records = work_qualify_and_convert(journey)
    call_then_meet(journey, records)
    stages = advance_and_win(journey, records)
    assert journey.read(f"/leads/{records.lead_id}")["status"] == "converted"
    check_histories(journey, records, moves=len(stages) - 1)


def check_histories(journey: Journey, records: Records, moves: int) -> None:
    """Each record's events in order, all by Ann; one correlation id per
    request, shared by every event that request recorded."""
    assert records.call_id is not None and records.meeting_id is not None
    histories = {
        records.lead_id: [
            "Captured",
            "WorkingStarted",
            "ScoreChanged",
            "DetailsChanged",
            "Qualified",
            "Converted",
        ],
        records.contact_id: ["Registered"],
        records.account_id: ["Opened"],
        records.deal_id: ["Opened", *["StageChanged"] * moves, "Won"],
        records.call_id: ["Planned", "Completed"],
        records.meeting_id: ["Planned", "Completed"],
    }
    app = journey.engine.container.app
    events = {record: events_of(app, record) for record in histories}
    for record, names in histories.items():
        assert [type(e).__name__ for e in events[record]] == names, record
        assert {e.actor for e in events[record]} == {"ann"}, record
    by_write = [events_of(app, record)[v - 1] for record, v in journey.writes]
    assert by_write[0].actor == "root"  # the admin registered the rep
    correlations = [e.correlation_id for e in by_write]
    assert None not in correlations
    assert len(set(correlations)) == len(journey.writes)
    recorded = {e.correlation_id for history in events.values() for e in history}
    assert recorded <= set(correlations)
    converted = events[records.lead_id][-1].correlation_id
    created = (records.contact_id, records.account_id, records.deal_id)
    assert {events[r][0].correlation_id for r in created} == {converted}
    call_completed = events[records.call_id][1].correlation_id
    assert events[records.meeting_id][0].correlation_id == call_completed
