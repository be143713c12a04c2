"""Timelines over HTTP, read-your-writes through ``min_position``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.routes import history
from tests.e2e.conftest import Engine, auth, post

SOON = (datetime.now(UTC) + timedelta(days=1)).isoformat()


def timeline(engine: Engine, path: str, **query: Any) -> Any:
    answer = engine.client.get(path, params=query, headers=auth("analyst"))
    assert answer.status_code == 200, answer.text
    return answer.json()


class TestContactHistory:
    def test_a_write_is_on_the_timeline_when_read_with_its_position(
        self, running: Engine
    ) -> None:
        account = post(running, "/accounts", {"name": "Acme"})
        contact = post(
            running,
            "/contacts",
            {"given_name": "Ada", "family_name": "L", "account_id": account["id"]},
        )
        call = post(
            running,
            "/activities",
            {
                "kind": "call",
                "purpose": "demo",
                "contact_id": contact["id"],
                "scheduled_at": SOON,
            },
        )
        path = f"/contacts/{contact['id']}/history"
        page = timeline(running, path, min_position=call["position"])
        assert [e["event_type"] for e in page["items"]] == [
            "sfa.activity.planned.v1",
            "sfa.contact.registered.v1",
        ]
        assert page["items"][0]["purpose"] == "demo"
        assert page["position"] >= call["position"]
        on_account = timeline(running, f"/accounts/{account['id']}/history")
        assert len(on_account["items"]) == 3

    def test_pages_and_filters(self, running: Engine) -> None:
        contact = post(running, "/contacts", {"given_name": "A", "family_name": "B"})
        last = contact
        for title in ("CTO", "CEO", "CFO"):
            last = running.client.patch(
                f"/contacts/{contact['id']}",
                json={"title": title},
                headers=auth("rep"),
            ).json()
        path = f"/contacts/{contact['id']}/history"
        first = timeline(running, path, limit=2, min_position=last["position"])
        second = timeline(running, path, limit=2, before=first["next_cursor"])
        events = [e["details"].get("new") for e in first["items"] + second["items"]]
        assert events[:3] == ["CFO", "CEO", "CTO"]
        assert second["next_cursor"] is None
        only = timeline(running, path, record_type="activity")
        assert only["items"] == []

    def test_a_position_not_yet_applied_is_503_with_retry_after(
        self, reps: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(history, "WAIT_SECONDS", 0.2)
        contact = post(reps, "/contacts", {"given_name": "A", "family_name": "B"})
        answer = reps.client.get(
            f"/contacts/{contact['id']}/history",
            params={"min_position": contact["position"] + 100},
            headers=auth("analyst"),
        )
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "1"

    def test_needs_a_token_and_valid_query(self, engine: Engine) -> None:
        path = "/contacts/0a0a0a0a-0000-4000-8000-000000000009/history"
        assert engine.client.get(path).status_code == 401
        bad = engine.client.get(path, params={"limit": 0}, headers=auth("rep"))
        assert bad.status_code == 422


class TestProjectionStatus:
    def test_shows_position_head_and_lag(self, running: Engine) -> None:
        contact = post(running, "/contacts", {"given_name": "A", "family_name": "B"})
        assert running.container.projections.wait_for(
            "contact_history", contact["position"]
        )
        answer = running.client.get("/projections", headers=auth("analyst"))
        assert answer.status_code == 200
        (view,) = [v for v in answer.json() if v["name"] == "contact_history"]
        assert view["position"] == view["head"] >= contact["position"]
        assert (view["lag_events"], view["last_error"]) == (0, None)
        assert running.client.get("/projections").status_code == 401


def test_text_filters_with_nul_are_422_not_500(engine: Engine) -> None:
    path = "/contacts/0a0a0a0a-0000-4000-8000-000000000009/history"
    answer = engine.client.get(path, params={"purpose": "a\x00b"}, headers=auth("rep"))
    assert answer.status_code == 422
