"""Duplicate records over HTTP, on SQLite and on PostgreSQL: found as they
arrive, explained, merged, unmerged and dismissed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.main import create_app
from commands.application import SalesApplication
from infra.bootstrap import Container
from infra.pg_datastore import PgDatastore
from infra.projection_host import ProjectionHost
from infra.settings import Settings
from infra.view_store import PgViewStore
from tests.e2e.conftest import TOKENS, Engine, auth, post, register_token_reps
from tests.services import drop_schema
from tests.strategies import json_values

SCHEMA, VIEWS = "sfa_test_dedup_e2e", "sfa_test_dedup_e2e_views"
AT = "2030-05-06T09:30:00+02:00"


@pytest.fixture(params=["sqlite", "postgres"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine with its views running, on either store."""
    if request.param == "sqlite":
        engine = request.getfixturevalue("running")
        yield engine
        return
    url = request.getfixturevalue("postgres_url")
    for schema in (SCHEMA, VIEWS):
        drop_schema(url, schema)
    settings = Settings(database_url=url, api_tokens=TOKENS)
    app = SalesApplication(env={**settings.persistence_env(), "SFA_DB_SCHEMA": SCHEMA})
    store = PgViewStore(PgDatastore(url, schema=VIEWS), schema=VIEWS)
    register_token_reps(app)
    container = Container(settings, app, ProjectionHost(app, store, poll_interval=0.2))
    container.projections.start()
    with TestClient(create_app(lambda: container)) as client:
        yield Engine(client, container)


def contact(engine: Engine, given: str, family: str, **more: Any) -> Any:
    return post(
        engine, "/contacts", {"given_name": given, "family_name": family, **more}
    )


def history_ids(engine: Engine, contact_id: str) -> set[str]:
    answer = engine.client.get(f"/contacts/{contact_id}/history", headers=auth("rep"))
    return {item["record_id"] for item in answer.json()["items"]}


def listed_ids(engine: Engine, path: str, position: int) -> set[str]:
    answer = engine.client.get(f"{path}&min_position={position}", headers=auth("rep"))
    assert answer.status_code == 200, answer.text
    return {item["id"] for item in answer.json()["items"]}


class TestDuplicates:
    def test_a_new_contact_answers_with_its_likely_duplicates(
        self, live: Engine
    ) -> None:
        ada = contact(live, "Ada", "Lovelace", emails=["ada@engines.org"])
        assert ada["likely_duplicates"] == []
        twin = contact(live, "Ada", "Lovelase", emails=["Ada@Engines.org"])
        [found] = twin["likely_duplicates"]
        assert found["id"] == ada["id"] and found["score"] > 0.9
        assert found["explanation"]["emails"]["how"] == "exact"
        one = live.client.get(
            f"/contacts/{ada['id']}/duplicates", headers=auth("analyst")
        )
        assert [d["id"] for d in one.json()["items"]] == [twin["id"]]
        pairs = live.client.get(
            "/dedup/duplicates?type=contact&min_score=0.5", headers=auth("rep")
        )
        assert len(pairs.json()["items"]) == 1

    def test_a_lead_answers_with_the_contacts_it_already_is(self, live: Engine) -> None:
        ada = contact(live, "Ada", "Lovelace", emails=["ada@engines.org"])
        lead = post(
            live,
            "/leads",
            {
                "family_name": "Lovelace",
                "email": "ada@engines.org",
                "source": {"kind": "web"},
            },
        )
        assert [d["id"] for d in lead["likely_duplicates"]] == [ada["id"]]

    def test_merge_redirects_joins_histories_and_unmerge_restores(
        self, live: Engine
    ) -> None:
        ada = contact(live, "Ada", "Lovelace", title="CTO", emails=["ada@a.org"])
        twin = contact(live, "Ada", "Lovelace", title="Countess", emails=["ada@b.org"])
        both = {ada["id"], twin["id"]}
        merged = post(
            live,
            f"/contacts/{ada['id']}/merge",
            {"duplicate_id": twin["id"], "choose": {"title": "duplicate"}},
        )
        assert merged["title"] == "Countess"
        assert merged["emails"] == ["ada@a.org", "ada@b.org"]
        alias = live.client.get(
            f"/contacts/{twin['id']}", headers=auth("rep"), follow_redirects=False
        )
        assert alias.status_code == 308
        assert alias.headers["location"] == f"/contacts/{ada['id']}"
        live.container.projections.wait_for("contact_history", merged["position"])
        assert history_ids(live, ada["id"]) == both
        again = post(live, f"/contacts/{ada['id']}/merge", {"duplicate_id": twin["id"]})
        assert again["version"] == merged["version"]  # idempotent: nothing new
        back = post(
            live, f"/contacts/{ada['id']}/unmerge", {"duplicate_id": twin["id"]}
        )
        assert back["title"] == "CTO" and back["emails"] == ["ada@a.org"]
        assert (
            live.client.get(f"/contacts/{twin['id']}", headers=auth("rep")).status_code
            == 200
        )
        live.container.projections.wait_for("contact_history", back["position"])
        assert history_ids(live, ada["id"]) == {ada["id"]}

    def test_a_survivors_lists_include_its_duplicates_rows(self, live: Engine) -> None:
        """Activities planned with the duplicate, and contacts of a merged
        account, are listed under the survivor; unmerged, no longer."""
        acme = post(live, "/accounts", {"name": "Acme Inc", "web_domain": "acme.com"})
        other = post(live, "/accounts", {"name": "ACME", "web_domain": "acme.io"})
        ada = contact(live, "Ada", "Lovelace", account_id=acme["id"])
        twin = contact(live, "Ada", "Lovelace", account_id=other["id"])
        call = {"kind": "call", "purpose": "demo", "scheduled_at": AT}
        mine = post(live, "/activities", {**call, "contact_id": ada["id"]})
        theirs = post(live, "/activities", {**call, "contact_id": twin["id"]})
        post(live, f"/contacts/{ada['id']}/merge", {"duplicate_id": twin["id"]})
        merged = post(
            live, f"/accounts/{acme['id']}/merge", {"duplicate_id": other["id"]}
        )
        at = merged["position"]
        listed = listed_ids(live, f"/activities?contact_id={ada['id']}", at)
        assert listed == {mine["id"], theirs["id"]}
        listed = listed_ids(live, f"/contacts?account_id={acme['id']}", at)
        assert listed == {ada["id"], twin["id"]}
        assert listed_ids(live, f"/activities?contact_id={twin['id']}", at) == {
            theirs["id"]
        }
        back = post(
            live, f"/contacts/{ada['id']}/unmerge", {"duplicate_id": twin["id"]}
        )
        listed = listed_ids(
            live, f"/activities?contact_id={ada['id']}", back["position"]
        )
        assert listed == {mine["id"]}

    def test_not_a_duplicate_is_not_proposed_again(self, live: Engine) -> None:
        one = contact(live, "John", "Smith")
        two = contact(live, "John", "Smith")
        assert two["likely_duplicates"]
        mark = post(
            live, f"/contacts/{one['id']}/not-a-duplicate", {"other_id": two["id"]}
        )
        url = f"/dedup/duplicates?min_position={mark['position']}"
        assert live.client.get(url, headers=auth("rep")).json()["items"] == []

    def test_accounts_merge_and_redirect(self, live: Engine) -> None:
        acme = post(live, "/accounts", {"name": "Acme Inc", "web_domain": "acme.com"})
        other = post(live, "/accounts", {"name": "ACME", "web_domain": "www.acme.com"})
        url = f"/accounts/{acme['id']}/duplicates?min_position={other['position']}"
        found = live.client.get(url, headers=auth("rep")).json()["items"]
        assert [d["id"] for d in found] == [other["id"]]
        post(live, f"/accounts/{acme['id']}/merge", {"duplicate_id": other["id"]})
        alias = live.client.get(
            f"/accounts/{other['id']}", headers=auth("rep"), follow_redirects=False
        )
        assert alias.status_code == 308


class TestRefusals:
    def test_auth(self, running: Engine) -> None:
        one = contact(running, "Ada", "Lovelace")
        c = running.client
        for path in ("/dedup/duplicates", f"/contacts/{one['id']}/duplicates"):
            assert c.get(path).status_code == 401
        body = {"duplicate_id": one["id"]}
        assert c.post(f"/contacts/{one['id']}/merge", json=body).status_code == 401
        answer = c.post(
            f"/contacts/{one['id']}/merge", json=body, headers=auth("analyst")
        )
        assert answer.status_code == 403

    def test_bad_requests_are_4xx_and_record_nothing(self, running: Engine) -> None:
        one = contact(running, "Ada", "Lovelace")
        two = contact(running, "Ada", "Lovelace")
        head = running.head()
        c, rep = running.client, auth("rep")
        cases = [
            (f"/contacts/{one['id']}/merge", {"duplicate_id": one["id"]}, 422),
            (
                f"/contacts/{one['id']}/merge",
                {"duplicate_id": two["id"], "choose": {"x": "survivor"}},
                422,
            ),
            (
                f"/contacts/{one['id']}/merge",
                {"duplicate_id": two["id"], "choose": {"title": "mine"}},
                422,
            ),
            (f"/contacts/{one['id']}/merge", {"duplicate_id": "0" * 32}, 404),
            (f"/contacts/{one['id']}/unmerge", {"duplicate_id": two["id"]}, 422),
            (f"/contacts/{one['id']}/not-a-duplicate", {}, 422),
        ]
        for path, body, status in cases:
            answer = c.post(path, json=body, headers=rep)
            assert answer.status_code == status, (path, body, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
        assert c.get("/dedup/duplicates?min_score=2", headers=rep).status_code == 422
        assert c.get("/dedup/duplicates?type=lead", headers=rep).status_code == 422
        assert running.head() == head

    def test_others_records_are_forbidden(self, running: Engine) -> None:
        mine = contact(running, "Ada", "Lovelace")
        theirs = running.client.post(
            "/contacts",
            json={
                "given_name": "Ada",
                "family_name": "Lovelace",
                "owner_id": "0a0a0a0a-0000-4000-8000-000000000002",
            },
            headers=auth("other-rep"),
        ).json()
        answer = running.client.post(
            f"/contacts/{mine['id']}/merge",
            json={"duplicate_id": theirs["id"]},
            headers=auth("rep"),
        )
        assert answer.status_code == 403


class TestNoServerErrors:
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        body=json_values
        | st.fixed_dictionaries(
            {},
            optional={
                "duplicate_id": json_values,
                "choose": json_values,
                "other_id": json_values,
                "reason": json_values,
            },
        ),
        action=st.sampled_from(["merge", "unmerge", "not-a-duplicate"]),
        kind=st.sampled_from(["contacts", "accounts"]),
        score=json_values,
    )
    def test_any_body_or_query_is_answered_without_5xx(
        self, running: Engine, body: Any, action: str, kind: str, score: Any
    ) -> None:
        record = "0a0a0a0a-0000-4000-8000-00000000000f"
        answer = running.client.post(
            f"/{kind}/{record}/{action}", json=body, headers=auth("rep")
        )
        assert answer.status_code < 500, answer.text
        answer = running.client.get(
            "/dedup/duplicates", params={"min_score": str(score)}, headers=auth("rep")
        )
        assert answer.status_code < 500, answer.text
