"""``/audit/...`` over HTTP: roles, one record's history and state, the
global log with filters, and the ledger's verify and checkpoints."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.conftest import Engine, auth, post

ROUTES = [
    f"/audit/streams/{uuid4()}/events",
    f"/audit/streams/{uuid4()}/state",
    "/audit/log",
    "/audit/verify",
    "/audit/checkpoints",
]


def get(engine: Engine, path: str, role: str = "auditor", **params: Any) -> Any:
    answer = engine.client.get(path, params=params, headers=auth(role))
    assert answer.status_code == 200, answer.text
    return answer.json()


def contact_with_history(engine: Engine) -> tuple[str, list[int]]:
    """A contact registered, renamed and retitled: three events; their
    positions."""
    created = post(engine, "/contacts", {"given_name": "Ada", "family_name": "B"})
    contact_id = created["id"]
    positions = [created["position"]]
    for body in ({"family_name": "Byron"}, {"title": "Countess"}):
        answer = engine.client.patch(
            f"/contacts/{contact_id}", json=body, headers=auth("rep")
        )
        assert answer.status_code == 200, answer.text
        positions.append(answer.json()["position"])
    return contact_id, positions


class TestRoles:
    @pytest.mark.parametrize("path", ROUTES)
    def test_no_token_is_401(self, engine: Engine, path: str) -> None:
        assert engine.client.get(path).status_code == 401
        bad = {"Authorization": "Bearer nope"}
        assert engine.client.get(path, headers=bad).status_code == 401

    @pytest.mark.parametrize("role", ["rep", "manager", "analyst", "service"])
    @pytest.mark.parametrize("path", ROUTES)
    def test_other_roles_are_403(self, engine: Engine, path: str, role: str) -> None:
        assert engine.client.get(path, headers=auth(role)).status_code == 403

    @pytest.mark.parametrize("role", ["auditor", "admin"])
    def test_auditor_and_admin_may_read(self, engine: Engine, role: str) -> None:
        assert get(engine, "/audit/log", role)["items"] == []


class TestStreamEvents:
    def test_every_event_in_order_with_who_when_why(self, reps: Engine) -> None:
        contact_id, positions = contact_with_history(reps)
        body = get(reps, f"/audit/streams/{contact_id}/events")
        items = body["items"]
        assert [i["type"] for i in items] == [
            "sfa.contact.registered.v1",
            "sfa.contact.renamed.v1",
            "sfa.contact.title_changed.v1",
        ]
        assert [i["version"] for i in items] == [1, 2, 3]
        assert [i["position"] for i in items] == positions
        assert {i["actor"] for i in items} == {"ann"}
        assert all(i["correlation_id"] for i in items)
        assert items[1]["data"]["family_name"] == "Byron"
        assert items[1]["data"]["old_family_name"] == "B"
        assert "originator_topic" not in items[0]["data"]

    def test_unknown_record_is_404(self, engine: Engine) -> None:
        answer = engine.client.get(
            f"/audit/streams/{uuid4()}/events", headers=auth("auditor")
        )
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"


class TestStreamState:
    def test_as_of_each_version(self, reps: Engine) -> None:
        contact_id, _ = contact_with_history(reps)
        path = f"/audit/streams/{contact_id}/state"
        first = get(reps, path, version=1)
        assert (first["version"], first["type"]) == (1, "contact")
        assert first["state"]["family_name"] == "B"
        assert first["state"]["title"] is None
        assert get(reps, path, version=2)["state"]["family_name"] == "Byron"
        now = get(reps, path)
        assert (now["version"], now["state"]["title"]) == (3, "Countess")

    def test_as_of_a_moment(self, reps: Engine) -> None:
        contact_id, _ = contact_with_history(reps)
        path = f"/audit/streams/{contact_id}/state"
        events = get(reps, f"/audit/streams/{contact_id}/events")["items"]
        second = events[1]["occurred_at"]
        assert get(reps, path, as_of=second)["version"] == 2
        later = datetime.now(UTC) + timedelta(days=1)
        assert get(reps, path, as_of=later.isoformat())["version"] == 3
        naive = later.replace(tzinfo=None).isoformat()  # taken as UTC
        assert get(reps, path, as_of=naive)["version"] == 3

    @pytest.mark.parametrize(
        "params",
        [{"version": 9}, {"as_of": "2000-01-01T00:00:00Z"}],
    )
    def test_before_or_beyond_the_record_is_404(
        self, reps: Engine, params: dict[str, Any]
    ) -> None:
        contact_id, _ = contact_with_history(reps)
        answer = reps.client.get(
            f"/audit/streams/{contact_id}/state", params=params, headers=auth("admin")
        )
        assert answer.status_code == 404, answer.text

    @pytest.mark.parametrize(
        "params",
        [
            {"version": 0},
            {"version": "x"},
            {"as_of": "yesterday"},
            {"version": 1, "as_of": "2026-01-01T00:00:00Z"},
        ],
    )
    def test_bad_input_is_422(self, reps: Engine, params: dict[str, Any]) -> None:
        contact_id, _ = contact_with_history(reps)
        answer = reps.client.get(
            f"/audit/streams/{contact_id}/state", params=params, headers=auth("admin")
        )
        assert answer.status_code == 422, answer.text


class TestLog:
    def test_pages_in_recorded_order(self, reps: Engine) -> None:
        contact_with_history(reps)
        everything = get(reps, "/audit/log")
        assert [i["position"] for i in everything["items"]] == list(range(1, 6))
        assert everything["head"] == 5
        page = get(reps, "/audit/log", after=2, limit=2)
        assert [i["position"] for i in page["items"]] == [3, 4]
        assert page["next_after"] == 4

    def test_filters(self, reps: Engine) -> None:
        contact_with_history(reps)
        contacts = get(reps, "/audit/log", aggregate_type="contact")["items"]
        assert len(contacts) == 3
        renamed = get(reps, "/audit/log", event_type="sfa.contact.renamed.v1")
        assert [i["version"] for i in renamed["items"]] == [2]
        setup = get(reps, "/audit/log", actor="setup")["items"]
        assert [i["aggregate_type"] for i in setup] == ["rep", "rep"]
        third = contacts[2]["occurred_at"]
        since = get(reps, "/audit/log", since=third)["items"]
        assert [i["position"] for i in since] == [5]
        until = get(reps, "/audit/log", until=third)["items"]
        assert [i["position"] for i in until] == [1, 2, 3, 4]

    @pytest.mark.parametrize(
        "params",
        [{"after": -1}, {"limit": 0}, {"limit": 5000}, {"since": "x"}, {"actor": "\0"}],
    )
    def test_bad_input_is_422(self, engine: Engine, params: dict[str, Any]) -> None:
        answer = engine.client.get("/audit/log", params=params, headers=auth("admin"))
        assert answer.status_code == 422, answer.text


class TestVerify:
    def test_intact_log(self, reps: Engine) -> None:
        contact_with_history(reps)
        verdict = get(reps, "/audit/verify")
        assert verdict["intact"] and verdict["position"] == 5
        assert "intact from position 1 up to position 5" in verdict["message"]

    def test_progress_stream_then_verdict(self, reps: Engine) -> None:
        contact_with_history(reps)
        answer = reps.client.get(
            "/audit/verify",
            headers={**auth("auditor"), "Accept": "application/x-ndjson"},
        )
        assert answer.status_code == 200
        lines = [json.loads(line) for line in answer.text.splitlines()]
        assert lines[-2] == {"done": 5, "total": 5}
        assert lines[-1]["verdict"]["intact"] is True

    def test_tampered_event_is_named(self, reps: Engine) -> None:
        contact_with_history(reps)
        path = reps.container.settings.sqlite_path
        with sqlite3.connect(path) as conn:
            conn.execute("DROP TRIGGER stored_events_no_update")
            conn.execute("UPDATE stored_events SET state = x'7b7d' WHERE rowid = 4")
        verdict = get(reps, "/audit/verify")
        assert (verdict["intact"], verdict["position"]) == (False, 4)
        assert "altered" in verdict["message"]
        assert get(reps, "/audit/verify", "auditor", to=3)["intact"] is True

    @pytest.mark.parametrize("params", [{"from": 0}, {"to": "x"}, {"from": 5, "to": 4}])
    def test_bad_range_is_422(self, engine: Engine, params: dict[str, Any]) -> None:
        answer = engine.client.get(
            "/audit/verify", params=params, headers=auth("admin")
        )
        assert answer.status_code == 422


def test_checkpoints_are_listed(engine: Engine) -> None:
    assert get(engine, "/audit/checkpoints") == []
    engine.container.app.recorder.checkpoint_every = 2  # type: ignore[attr-defined]
    contact_with_history(engine)  # three events
    marks = get(engine, "/audit/checkpoints")
    assert [(m["position"], m["kind"]) for m in marks] == [(2, "periodic")]
    events = get(engine, "/audit/verify", to=2)
    assert marks[0]["hash"] == events["hash"]
    assert get(engine, "/audit/checkpoints", after=2) == []
