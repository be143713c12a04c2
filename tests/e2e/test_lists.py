"""Lists over HTTP: filters, sorting, cursor paging, search, read-your-writes
through ``min_position``, and the answers to bad requests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.routes import lists
from infra.bootstrap import bootstrap
from infra.settings import Settings
from tests.e2e.conftest import REP_ID, TOKENS, Engine, auth, post

SOON = "2030-01-07T09:00:00+00:00"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """The engine of tests/e2e/conftest.py, with the default pipeline."""
    settings = Settings(sqlite_path=tmp_path / "sfa.db", api_tokens=TOKENS)
    container = bootstrap(settings)
    api = create_app(lambda: container)
    with TestClient(api) as client:
        yield Engine(client, container)


def listed(engine: Engine, path: str, **query: Any) -> Any:
    answer = engine.client.get(path, params=query, headers=auth("analyst"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def contact(engine: Engine, given: str, family: str, **body: Any) -> Any:
    return post(
        engine, "/contacts", {"given_name": given, "family_name": family, **body}
    )


class TestLists:
    def test_a_write_is_listed_when_read_with_its_position(
        self, running: Engine
    ) -> None:
        account = post(running, "/accounts", {"name": "Acme", "territory": "north"})
        ada = contact(running, "Ada", "Lovelace", account_id=account["id"])
        found = listed(
            running, "/contacts", q="lovelace ACME", min_position=ada["position"]
        )
        assert [c["id"] for c in found["items"]] == [ada["id"]]
        item = found["items"][0]
        assert (item["company"], item["territory"], item["version"]) == (
            "Acme",
            "north",
            ada["version"],
        )
        assert found["position"] >= ada["position"]
        assert found["next_cursor"] is None

    def test_filters_sorting_and_pages(self, running: Engine) -> None:
        account = post(running, "/accounts", {"name": "Acme", "owner_id": str(REP_ID)})
        last = account
        for n, amount in enumerate(["5", "5", "1", "9", "5"]):
            last = post(
                running,
                "/opportunities",
                {
                    "account_id": account["id"],
                    "name": f"Deal {n}",
                    "amount": amount,
                    "currency": "EUR",
                    "expected_close_date": "2030-03-31",
                    "owner_id": str(REP_ID) if n % 2 else None,
                },
            )
        path, wait = "/opportunities", last["position"]
        first = listed(running, path, sort="-amount", limit=2, min_position=wait)
        second = listed(
            running, path, sort="-amount", limit=2, cursor=first["next_cursor"]
        )
        third = listed(
            running, path, sort="-amount", limit=2, cursor=second["next_cursor"]
        )
        pages = first["items"] + second["items"] + third["items"]
        assert [d["amount"] for d in pages] == ["9", "5", "5", "5", "1"]
        assert len({d["id"] for d in pages}) == 5 and third["next_cursor"] is None
        mine = listed(running, path, owner_id=str(REP_ID))
        assert sorted(d["name"] for d in mine["items"]) == ["Deal 1", "Deal 3"]
        owned = listed(running, "/accounts", owner_id=str(REP_ID))
        assert [a["id"] for a in owned["items"]] == [account["id"]]

    def test_activities_leads_by_status_kind_and_time(self, running: Engine) -> None:
        ada = contact(running, "Ada", "Lovelace")
        call = post(
            running,
            "/activities",
            {
                "kind": "call",
                "purpose": "demo",
                "contact_id": ada["id"],
                "scheduled_at": SOON,
            },
        )
        lead = post(
            running, "/leads", {"source": {"kind": "web"}, "company_name": "Initech"}
        )
        query = {"min_position": lead["position"], "kind": "call", "status": "planned"}
        found = listed(
            running, "/activities", **query, scheduled_until="2030-01-08T00:00:00Z"
        )
        assert [a["id"] for a in found["items"]] == [call["id"]]
        assert found["items"][0]["contact_name"] == "Ada Lovelace"
        assert listed(running, "/activities", purpose="renewal")["items"] == []
        leads = listed(running, "/leads", status="new", q="initech")
        assert [x["id"] for x in leads["items"]] == [lead["id"]]

    def test_a_position_not_yet_applied_is_503_with_retry_after(
        self, reps: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(lists, "WAIT_SECONDS", 0.2)
        ada = contact(reps, "Ada", "Lovelace")
        answer = reps.client.get(
            "/contacts",
            params={"min_position": ada["position"] + 100},
            headers=auth("analyst"),
        )
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "1"


class TestBadRequests:
    @pytest.mark.parametrize(
        "path", ["/contacts", "/accounts", "/leads", "/opportunities", "/activities"]
    )
    def test_needs_a_token(self, engine: Engine, path: str) -> None:
        assert engine.client.get(path).status_code == 401
        assert engine.client.get(path, headers=auth("auditor")).status_code == 200

    @pytest.mark.parametrize(
        "query",
        [
            {"sort": "amount"},
            {"sort": "search_text"},
            {"sort": "-name; DROP TABLE x"},
            {"limit": 0},
            {"status": "sleeping"},
            {"cursor": "not a cursor"},
            {"cursor": "W10"},
            {"q": "nul\x00"},
            {"territory": "\x00"},
            {"created_since": "yesterday"},
        ],
    )
    def test_a_bad_sort_cursor_or_filter_is_a_422(
        self, engine: Engine, query: dict[str, Any]
    ) -> None:
        answer = engine.client.get("/accounts", params=query, headers=auth("rep"))
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        field = answer.json()["errors"][0]["field"]
        assert field.split(".")[-1] in query

    @pytest.mark.parametrize("purpose", ["sleeping", "upsell:x\x00"])
    def test_a_bad_purpose_is_a_422(self, engine: Engine, purpose: str) -> None:
        answer = engine.client.get(
            "/activities", params={"purpose": purpose}, headers=auth("rep")
        )
        assert answer.status_code == 422, answer.text

    def test_a_cursor_of_another_sort_is_a_422(self, running: Engine) -> None:
        for name in ("A", "B"):
            last = post(running, "/accounts", {"name": name})
        first = listed(running, "/accounts", limit=1, min_position=last["position"])
        assert first["next_cursor"]
        answer = running.client.get(
            "/accounts",
            params={"sort": "-created_at", "cursor": first["next_cursor"]},
            headers=auth("rep"),
        )
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "query.cursor"
