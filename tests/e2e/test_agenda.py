"""``GET /reps/{id}/agenda`` over HTTP: what a rep gets back after their
writes, read-your-writes through ``min_position``, and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from api.routes import agenda
from commands.pipelines import ensure_default_pipeline
from tests.e2e.conftest import REP_ID, Engine, auth, post

DAY = "2030-03-15"
PATH = f"/reps/{REP_ID}/agenda"


def read(engine: Engine, role: str = "rep", **query: Any) -> Any:
    answer = engine.client.get(PATH, params=query, headers=auth(role))
    assert answer.status_code == 200, answer.text
    return answer.json()


def reasons(page: Any) -> list[tuple[str, str]]:
    return [(item["reason"], item["link"]) for item in page["items"]]


class TestRepAgenda:
    def test_the_rep_s_writes_are_on_the_agenda_read_with_their_position(
        self, running: Engine
    ) -> None:
        ensure_default_pipeline(running.container.app)
        account = post(running, "/accounts", {"name": "Acme"})
        contact = post(
            running,
            "/contacts",
            {"given_name": "Ada", "family_name": "L", "account_id": account["id"]},
        )
        customer = {"contact_id": contact["id"], "purpose": "demo"}
        call = post(
            running,
            "/activities",
            {"kind": "call", "scheduled_at": f"{DAY}T16:00:00+01:00", **customer},
        )
        visit = post(
            running,
            "/activities/log",
            {"kind": "visit", "outcome": "meeting_held", "duration_minutes": 30}
            | {"completed_at": "2030-02-01T10:00:00Z", **customer},
        )
        deal = post(
            running,
            "/opportunities",
            {"account_id": account["id"], "name": "Fleet", "currency": "EUR"}
            | {"expected_close_date": "2030-03-01", "owner_id": str(REP_ID)},
        )

        page = read(running, date=DAY, min_position=deal["position"])

        assert reasons(page) == [
            ("due_today", f"/activities/{call['id']}"),
            ("close_date_passed", f"/opportunities/{deal['id']}"),
            ("stale_deal", f"/opportunities/{deal['id']}"),
        ]
        assert page["items"][0]["activity"]["scheduled_at"] == f"{DAY}T15:00:00Z"
        stale = page["items"][2]["opportunity"]
        assert stale["last_activity_at"] == "2030-02-01T10:00:00Z"
        assert (page["date"], page["tz"], page["truncated"]) == (DAY, "UTC", [])
        assert page["position"] >= deal["position"]
        day_after = read(running, "analyst", date="2030-03-16", tz="America/New_York")
        assert [r for r, _ in reasons(day_after)][:1] == ["overdue"]
        assert visit["id"] not in str(page)  # the later call is planned with them

    def test_today_by_default_and_at_most_limit_per_reason(
        self, running: Engine
    ) -> None:
        contact = post(running, "/contacts", {"given_name": "A", "family_name": "B"})
        body = {"kind": "call", "purpose": "demo", "contact_id": contact["id"]}
        last = {"position": 0}
        for days in (3, 2):
            when = datetime.now(UTC) - timedelta(days=days)
            last = post(
                running, "/activities", body | {"scheduled_at": when.isoformat()}
            )

        page = read(running, limit=1, min_position=last["position"])

        assert page["date"] == datetime.now(UTC).date().isoformat()
        assert [r for r, _ in reasons(page)] == ["overdue"]
        assert page["truncated"] == ["overdue"]

    def test_a_position_not_yet_applied_is_503_with_retry_after(
        self, reps: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(agenda, "WAIT_SECONDS", 0.2)
        answer = reps.client.get(
            PATH, params={"min_position": reps.head() + 1}, headers=auth("rep")
        )
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "1"

    def test_needs_a_token_a_rep_and_a_valid_query(self, reps: Engine) -> None:
        assert reps.client.get(PATH).status_code == 401
        unknown = reps.client.get(f"/reps/{uuid4()}/agenda", headers=auth("rep"))
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        for query in (
            {"tz": "Mars/Olympus"},
            {"tz": "../etc/passwd"},
            {"date": "9999-12-31"},
            {"date": "tomorrow"},
            {"limit": 0},
        ):
            bad = reps.client.get(PATH, params=query, headers=auth("rep"))
            assert bad.status_code == 422, query
            assert bad.json()["errors"], query
