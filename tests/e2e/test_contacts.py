"""``/contacts`` over HTTP, and every write convention of DESIGN.md."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from tests.e2e.conftest import OTHER_REP_ID, REP_ID, Engine, auth
from tests.unit.helpers import events_of

ADA = {"given_name": "Ada", "family_name": "Lovelace", "emails": ["ADA@Example.com"]}


def register(
    engine: Engine, body: dict[str, Any], role: str = "rep", **headers: str
) -> Any:
    return engine.client.post("/contacts", json=body, headers={**auth(role), **headers})


class TestRegisterContact:
    def test_created_with_version_etag_and_position(self, engine: Engine) -> None:
        answer = register(engine, {**ADA, "phones": ["+44 20 7946 0958"]})
        assert answer.status_code == 201
        body = answer.json()
        assert body["emails"] == ["ada@example.com"]
        assert body["phones"] == ["+442079460958"]
        assert (body["version"], answer.headers["etag"]) == (1, '"1"')
        assert body["position"] == engine.head() == 1
        read = engine.client.get(f"/contacts/{body['id']}", headers=auth("analyst"))
        assert read.json()["given_name"] == "Ada" and read.headers["etag"] == '"1"'

    def test_same_client_id_and_body_twice_creates_nothing(
        self, engine: Engine
    ) -> None:
        body = {**ADA, "id": str(uuid4())}
        assert register(engine, body).status_code == 201
        again = register(engine, body)
        assert again.status_code == 200 and again.json()["version"] == 1
        assert engine.head() == 1

    def test_same_client_id_other_body_is_a_conflict(self, engine: Engine) -> None:
        contact_id = str(uuid4())
        register(engine, {**ADA, "id": contact_id})
        answer = register(engine, {**ADA, "id": contact_id, "family_name": "Byron"})
        assert answer.status_code == 409
        assert answer.headers["content-type"] == "application/problem+json"
        assert engine.head() == 1

    def test_invalid_fields_are_named(self, engine: Engine) -> None:
        answer = register(engine, {**ADA, "emails": ["not-an-email"], "phones": ["12"]})
        assert answer.status_code == 422
        fields = {error["field"] for error in answer.json()["errors"]}
        assert {"body.emails.0", "body.phones.0"} <= fields
        assert engine.head() == 0


class TestIdempotencyKey:
    def test_repeat_returns_the_first_response_and_records_nothing(
        self, engine: Engine
    ) -> None:
        first = register(engine, ADA, **{"Idempotency-Key": "k1"})
        again = register(engine, ADA, **{"Idempotency-Key": "k1"})
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert engine.head() == 1

    def test_same_key_other_body_is_422(self, engine: Engine) -> None:
        register(engine, ADA, **{"Idempotency-Key": "k1"})
        other = register(engine, {**ADA, "title": "CTO"}, **{"Idempotency-Key": "k1"})
        assert other.status_code == 422
        assert engine.head() == 1

    def test_keys_are_per_caller(self, engine: Engine) -> None:
        register(engine, ADA, "rep", **{"Idempotency-Key": "k1"})
        assert (
            register(engine, ADA, "admin", **{"Idempotency-Key": "k1"}).status_code
            == 201
        )
        assert engine.head() == 2


class TestChangeContact:
    def test_patch_records_old_and_new(self, engine: Engine) -> None:
        contact = register(engine, ADA).json()
        answer = engine.client.patch(
            f"/contacts/{contact['id']}",
            json={"title": "CTO"},
            headers={**auth("rep"), "If-Match": '"1"'},
        )
        assert answer.status_code == 200 and answer.json()["version"] == 2
        events = events_of(engine.container.app, UUID(contact["id"]))
        assert (events[-1].old, events[-1].new, events[-1].actor) == (
            None,
            "CTO",
            "ann",
        )

    def test_stale_if_match_is_412_and_writes_nothing(self, engine: Engine) -> None:
        contact = register(engine, ADA).json()
        url = f"/contacts/{contact['id']}"
        engine.client.patch(url, json={"title": "CTO"}, headers=auth("rep"))
        stale = engine.client.patch(
            url, json={"title": "CEO"}, headers={**auth("rep"), "If-Match": "1"}
        )
        assert stale.status_code == 412
        assert engine.head() == 2

    def test_do_not_contact_needs_a_reason(self, engine: Engine) -> None:
        contact = register(engine, ADA).json()
        answer = engine.client.post(
            f"/contacts/{contact['id']}/consent",
            json={"do_not_contact": True},
            headers=auth("rep"),
        )
        assert answer.status_code == 422
        assert answer.json()["rule"] == "do_not_contact_needs_reason"


class TestWhoMayDoWhat:
    def test_no_token_is_401(self, engine: Engine) -> None:
        assert engine.client.post("/contacts", json=ADA).status_code == 401
        assert engine.client.get(f"/contacts/{uuid4()}").status_code == 401

    def test_read_only_roles_may_not_write(self, engine: Engine) -> None:
        for role in ("analyst", "auditor"):
            assert register(engine, ADA, role).status_code == 403
        assert engine.head() == 0

    def test_rep_may_not_change_another_reps_contact(self, reps: Engine) -> None:
        engine = reps
        contact = register(
            engine, {**ADA, "owner_id": str(OTHER_REP_ID)}, "admin"
        ).json()
        answer = engine.client.patch(
            f"/contacts/{contact['id']}", json={"title": "x"}, headers=auth("rep")
        )
        assert answer.status_code == 403
        own = register(engine, {**ADA, "owner_id": str(REP_ID)}).json()
        assert own["owner_id"] == str(REP_ID)
