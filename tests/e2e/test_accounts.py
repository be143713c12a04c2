"""``/accounts`` over HTTP: every route's 401, 403, happy path, bad input
that records nothing, and no 500 for any body."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import OTHER_REP_ID, REP_ID, Engine, auth
from tests.strategies import json_values
from tests.unit.helpers import event_names, events_of

ACME = {"name": "Acme", "web_domain": "https://www.ACME.com/about"}
READ_ONLY = ("analyst", "auditor")
ROLES = ("rep", "other-rep", "manager", "analyst", "auditor", "service", "admin")


def bodies(*fields: str) -> st.SearchStrategy[Any]:
    """Any JSON, and objects whose known fields hold any JSON or odd text."""
    odd = json_values | st.sampled_from(["", " ", "x" * 5000, "münchen.de", "\x00"])
    known = st.fixed_dictionaries({}, optional=dict.fromkeys(fields, odd))
    return json_values | known


def hire(engine: Engine, rep_id: UUID, name: str = "Ann") -> None:
    body = {"id": str(rep_id), "name": name, "email": f"{name}@example.com"}
    answer = engine.client.post("/reps", json=body, headers=auth("admin"))
    assert answer.status_code in (200, 201), answer.text


def open_account(
    engine: Engine, body: dict[str, Any] | None = None, role: str = "rep"
) -> Any:
    return engine.client.post("/accounts", json=body or ACME, headers=auth(role))


def write_routes(account_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    url = f"/accounts/{account_id}"
    return [
        ("POST", "/accounts", ACME),
        ("PATCH", url, {"industry": "retail"}),
        ("POST", f"{url}/owner", {"owner_id": None}),
        ("POST", f"{url}/territory", {"territory": "north"}),
        ("POST", f"{url}/status", {"status": "active_customer"}),
    ]


@pytest.fixture
def account(engine: Engine) -> dict[str, Any]:
    """An account owned by the other rep, on an engine where both reps exist."""
    hire(engine, REP_ID)
    hire(engine, OTHER_REP_ID, "Bob")
    body = {**ACME, "owner_id": str(OTHER_REP_ID)}
    answer = open_account(engine, body, "admin")
    assert answer.status_code == 201
    return dict(answer.json())


class TestOpenAccount:
    def test_created_with_a_normalised_domain(self, engine: Engine) -> None:
        hire(engine, REP_ID)
        answer = open_account(engine, {**ACME, "owner_id": str(REP_ID)})
        assert answer.status_code == 201
        body = answer.json()
        assert (body["web_domain"], body["status"]) == ("acme.com", "prospect")
        assert (body["version"], answer.headers["etag"]) == (1, '"1"')
        assert body["position"] == engine.head()
        read = engine.client.get(f"/accounts/{body['id']}", headers=auth("auditor"))
        assert read.json()["owner_id"] == str(REP_ID)

    def test_same_client_id_and_body_twice_creates_nothing(
        self, engine: Engine
    ) -> None:
        body = {**ACME, "id": str(uuid4())}
        assert open_account(engine, body).status_code == 201
        again = open_account(engine, body)
        assert again.status_code == 200 and engine.head() == 1
        other = open_account(engine, {**body, "industry": "retail"})
        assert other.status_code == 409 and engine.head() == 1

    def test_idempotency_key_replays_the_first_answer(self, engine: Engine) -> None:
        key = {**auth("rep"), "Idempotency-Key": "open-1"}
        first = engine.client.post("/accounts", json=ACME, headers=key)
        again = engine.client.post("/accounts", json=ACME, headers=key)
        assert again.json() == first.json() and engine.head() == 1


class TestChangeAccount:
    def test_every_change_is_recorded_with_old_and_new(
        self, engine: Engine, account: dict[str, Any]
    ) -> None:
        url, admin = f"/accounts/{account['id']}", auth("admin")
        steps = [
            ("patch", url, {"name": "Acme Ltd", "industry": "aerospace"}),
            ("post", f"{url}/owner", {"owner_id": str(REP_ID)}),
            ("post", f"{url}/territory", {"territory": "emea-north"}),
            ("post", f"{url}/status", {"status": "active_customer"}),
            ("post", f"{url}/status", {"status": "former_customer", "reason": "x"}),
            ("post", f"{url}/status", {"status": "active_customer"}),
        ]
        version = account["version"]
        for method, path, body in steps:
            headers = {**admin, "If-Match": f'"{version}"'}
            answer = engine.client.request(method, path, json=body, headers=headers)
            assert answer.status_code == 200, answer.text
            version = answer.json()["version"]
        account_id = UUID(account["id"])
        assert event_names(engine.container.app, account_id) == [
            "Opened",
            "Renamed",
            "IndustryChanged",
            "OwnerChanged",
            "TerritoryChanged",
            "StatusChanged",
            "StatusChanged",
            "StatusChanged",
        ]
        owner_changed = events_of(engine.container.app, account_id)[3]
        assert (owner_changed.old, owner_changed.new) == (OTHER_REP_ID, REP_ID)
        read = engine.client.get(url, headers=auth("rep")).json()
        assert (read["status"], read["territory"], read["version"]) == (
            "active_customer",
            "emea-north",
            8,
        )

    def test_stale_if_match_is_412(
        self, engine: Engine, account: dict[str, Any]
    ) -> None:
        before = engine.head()
        answer = engine.client.patch(
            f"/accounts/{account['id']}",
            json={"industry": "x"},
            headers={**auth("admin"), "If-Match": '"7"'},
        )
        assert answer.status_code == 412 and engine.head() == before

    def test_unknown_account_is_404(self, engine: Engine) -> None:
        for method, path, body in write_routes(str(uuid4()))[1:]:
            answer = engine.client.request(method, path, json=body, headers=auth("rep"))
            assert answer.status_code == 404
        assert (
            engine.client.get(f"/accounts/{uuid4()}", headers=auth("rep")).status_code
            == 404
        )


class TestBadInput:
    @pytest.mark.parametrize(
        ("suffix", "body", "rule"),
        [
            ("", {**ACME, "web_domain": "not a domain"}, None),
            ("", {**ACME, "status": "churned"}, None),
            ("", {**ACME, "colour": "red"}, None),
            ("", {"name": " "}, None),
            ("", {**ACME, "owner_id": "nobody"}, None),
            ("", {**ACME, "owner_id": str(uuid4())}, "owner_must_be_active_rep"),
            ("/status", {"status": "former_customer"}, "account_status_transition"),
            ("/status", {"status": "lost"}, None),
            ("/owner", {}, None),
            ("/owner", {"owner_id": str(uuid4())}, "owner_must_be_active_rep"),
            ("/territory", {"territory": ""}, None),
            ("", [], None),
        ],
    )
    def test_is_refused_and_records_nothing(
        self,
        engine: Engine,
        account: dict[str, Any],
        suffix: str,
        body: Any,
        rule: str | None,
    ) -> None:
        before = engine.head()
        path = f"/accounts/{account['id']}{suffix}" if suffix else "/accounts"
        answer = engine.client.post(path, json=body, headers=auth("admin"))
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json().get("rule") == rule
        assert engine.head() == before

    def test_an_inactive_rep_cannot_become_owner(
        self, engine: Engine, account: dict[str, Any]
    ) -> None:
        engine.client.post(f"/reps/{REP_ID}/deactivate", json={}, headers=auth("admin"))
        before = engine.head()
        answer = engine.client.post(
            f"/accounts/{account['id']}/owner",
            json={"owner_id": str(REP_ID)},
            headers=auth("admin"),
        )
        assert answer.json()["rule"] == "owner_must_be_active_rep"
        assert engine.head() == before

    def test_not_json_and_bad_ids(self, engine: Engine) -> None:
        headers = {**auth("rep"), "content-type": "application/json"}
        assert (
            engine.client.post("/accounts", content=b"{", headers=headers).status_code
            == 422
        )
        assert engine.client.get("/accounts/42", headers=auth("rep")).status_code == 422
        assert engine.head() == 0

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        route=st.sampled_from(["", "", "/patch", "/owner", "/territory", "/status"]),
        body=bodies("name", "web_domain", "industry", "territory", "owner_id")
        | bodies("status", "reason", "owner_id", "id"),
    )
    def test_no_body_gets_a_500(
        self, engine: Engine, account: dict[str, Any], route: str, body: Any
    ) -> None:
        url = f"/accounts/{account['id']}"
        method, path = {
            "": ("POST", "/accounts"),
            "/patch": ("PATCH", url),
        }.get(route, ("POST", url + route))
        answer = engine.client.request(method, path, json=body, headers=auth("admin"))
        assert answer.status_code < 500, answer.text


class TestWhoMayDoWhat:
    def test_no_token_or_an_unknown_one_is_401(self, engine: Engine) -> None:
        routes = [*write_routes(str(uuid4())), ("GET", f"/accounts/{uuid4()}", {})]
        for method, path, body in routes:
            for headers in ({}, {"Authorization": "Bearer nope"}):
                answer = engine.client.request(method, path, json=body, headers=headers)
                assert answer.status_code == 401, (method, path)

    @pytest.mark.parametrize("role", READ_ONLY)
    def test_read_only_roles_may_not_write(
        self, engine: Engine, account: dict[str, Any], role: str
    ) -> None:
        before = engine.head()
        for method, path, body in write_routes(account["id"]):
            answer = engine.client.request(method, path, json=body, headers=auth(role))
            assert answer.status_code == 403, (method, path)
        assert engine.head() == before

    def test_a_rep_may_not_change_another_reps_account(
        self, engine: Engine, account: dict[str, Any]
    ) -> None:
        before = engine.head()
        for method, path, body in write_routes(account["id"])[1:]:
            answer = engine.client.request(method, path, json=body, headers=auth("rep"))
            assert answer.status_code == 403, (method, path)
        theirs = {**ACME, "owner_id": str(OTHER_REP_ID)}
        assert open_account(engine, theirs).status_code == 403
        assert engine.head() == before

    @pytest.mark.parametrize("role", ["other-rep", "admin", "service"])
    def test_the_owner_and_the_privileged_may_write(
        self, engine: Engine, account: dict[str, Any], role: str
    ) -> None:
        for method, path, body in write_routes(account["id"]):
            answer = engine.client.request(method, path, json=body, headers=auth(role))
            assert answer.status_code in (200, 201), (method, path, answer.text)

    def test_everyone_with_a_token_reads(
        self, engine: Engine, account: dict[str, Any]
    ) -> None:
        for role in ROLES:
            answer = engine.client.get(f"/accounts/{account['id']}", headers=auth(role))
            assert answer.status_code == 200
