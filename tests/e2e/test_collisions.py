"""The outreach guard and ``/dedup/collisions`` over HTTP, on SQLite and on
PostgreSQL: two reps approaching one customer for one purpose, the 409 that
names the collision, the override and where managers see it; two reps
racing over HTTP; roles and bad queries."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from commands.application import SalesApplication
from infra.bootstrap import Container
from infra.pg_datastore import PgDatastore
from infra.projection_host import ProjectionHost
from infra.settings import Settings
from infra.view_store import PgViewStore
from tests.e2e.conftest import OTHER_REP_ID, REP_ID, TOKENS, Engine, auth, post
from tests.services import drop_schema

COLLISIONS = "/dedup/collisions"
OVERRIDES = "/dedup/collisions/overrides"
WHEN = "2030-05-06T09:30:00+00:00"
APP_SCHEMA, VIEWS = "sfa_test_outreach_e2e", "sfa_test_outreach_e2e_views"


@pytest.fixture
def on_postgres(postgres_url: str) -> Iterator[Engine]:
    """An engine on PostgreSQL (its own schemas), its views running, and the
    reps behind the rep tokens."""
    for schema in (APP_SCHEMA, VIEWS):
        drop_schema(postgres_url, schema)
    settings = Settings(database_url=postgres_url, api_tokens=TOKENS)
    env = {**settings.persistence_env(), "SFA_DB_SCHEMA": APP_SCHEMA}
    app = SalesApplication(env=env)
    app.outreach_policy = settings.outreach.policy()
    store = PgViewStore(PgDatastore(postgres_url, schema=VIEWS), schema=VIEWS)
    container = Container(settings, app, ProjectionHost(app, store))
    with TestClient(create_app(lambda: container)) as client:
        engine = Engine(client, container)
        for rep_id, name in [(REP_ID, "ann"), (OTHER_REP_ID, "bob")]:
            body = {"id": str(rep_id), "name": name, "email": f"{name}@sfa.dev"}
            answer = client.post("/reps", json=body, headers=auth("admin"))
            assert answer.status_code == 201, answer.text
        container.projections.start()
        yield engine
        container.projections.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def engine_on(request: pytest.FixtureRequest) -> Engine:
    name = "running" if request.param == "sqlite" else "on_postgres"
    engine: Engine = request.getfixturevalue(name)
    return engine


def customer(engine: Engine) -> tuple[str, str]:
    account = post(engine, "/accounts", {"name": f"Acme {uuid4().hex[:6]}"})
    body = {"given_name": "Ada", "family_name": "L", "account_id": account["id"]}
    return account["id"], post(engine, "/contacts", body)["id"]


def plan(engine: Engine, role: str, **fields: Any) -> Any:
    body = {"kind": "call", "purpose": "renewal", "scheduled_at": WHEN} | fields
    return engine.client.post("/activities", json=body, headers=auth(role))


def read(engine: Engine, path: str, role: str = "rep", **query: Any) -> Any:
    answer = engine.client.get(path, params=query, headers=auth(role))
    assert answer.status_code == 200, answer.text
    return answer.json()


class TestOutreachGuard:
    def test_a_second_rep_is_refused_then_overrides_and_managers_see_it(
        self, engine_on: Engine
    ) -> None:
        engine = engine_on
        account_id, contact_id = customer(engine)
        first = plan(engine, "rep", contact_id=contact_id, department="sales")
        assert first.status_code == 201, first.text
        head = engine.head()

        refused = plan(engine, "other-rep", account_id=account_id)
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["rule"] == "outreach_collision"
        [clash] = problem["collisions"]
        assert clash["activity_id"] == first.json()["id"]
        assert (clash["rep_id"], clash["department"]) == (str(REP_ID), "sales")
        assert (clash["status"], clash["at"]) == ("planned", WHEN)
        assert first.json()["id"] in problem["detail"]
        assert engine.head() == head  # nothing recorded

        reason = "Bob covers renewals this quarter"
        second = plan(
            engine, "other-rep", account_id=account_id, override_reason=reason
        )
        assert second.status_code == 201, second.text
        assert second.json()["override_reason"] == reason

        position = second.json()["position"]
        page = read(engine, COLLISIONS, account_id=account_id, min_position=position)
        [renewal] = page["purposes"]
        assert (renewal["purpose"], renewal["colliding"]) == ("renewal", True)
        assert renewal["window_days"] == 30
        assert set(renewal["reps"]) == {str(REP_ID), str(OTHER_REP_ID)}
        ids = [a["activity_id"] for a in renewal["approaches"]]
        assert set(ids) == {first.json()["id"], second.json()["id"]}
        by_contact = read(engine, COLLISIONS, contact_id=contact_id)
        assert by_contact["purposes"] == page["purposes"]  # its account counts

        [listed] = read(engine, OVERRIDES, "manager", min_position=position)["items"]
        assert (listed["activity_id"], listed["reason"]) == (
            second.json()["id"],
            reason,
        )
        assert listed["rules"] == ["outreach_collision"]
        assert listed["colliding_ids"] == [first.json()["id"]]
        assert listed["actor"] == "bob"

    def test_two_reps_racing_over_http_one_plans_one_is_refused(
        self, engine_on: Engine
    ) -> None:
        engine = engine_on

        def race(role: str, account_id: str) -> int:
            return int(plan(engine, role, account_id=account_id).status_code)

        for _ in range(10):
            account_id, _ = customer(engine)
            with ThreadPoolExecutor(2) as pool:
                roles = ["rep", "other-rep"]
                statuses = sorted(pool.map(race, roles, [account_id] * 2))
            assert statuses == [201, 409]

    def test_logging_with_a_do_not_contact_contact_needs_a_reason(
        self, running: Engine
    ) -> None:
        body = {"given_name": "N", "family_name": "O", "do_not_contact": True}
        contact = post(running, "/contacts", body)
        log: dict[str, Any] = {
            "kind": "call",
            "purpose": "support_follow_up",
            "outcome": "connected",
        }
        log |= {"duration_minutes": 4, "contact_id": contact["id"]}
        refused = running.client.post("/activities/log", json=log, headers=auth("rep"))
        assert refused.status_code == 422
        assert refused.json()["rule"] == "contact_do_not_contact"
        log["override_reason"] = "they called us about an outage"
        logged = post(running, "/activities/log", log)
        page = read(running, OVERRIDES, "auditor", min_position=logged["position"])
        assert page["items"][0]["rules"] == ["contact_do_not_contact"]


class TestReads:
    @pytest.mark.parametrize("path", [COLLISIONS, OVERRIDES])
    def test_no_token_is_401(self, running: Engine, path: str) -> None:
        assert running.client.get(path).status_code == 401

    @pytest.mark.parametrize("role", ["rep", "analyst", "service"])
    def test_overrides_are_for_managers_admins_and_auditors(
        self, running: Engine, role: str
    ) -> None:
        answer = running.client.get(OVERRIDES, headers=auth(role))
        assert answer.status_code == 403
        for allowed in ("manager", "admin", "auditor"):
            assert read(running, OVERRIDES, allowed)["items"] == []

    @pytest.mark.parametrize(
        "query",
        [
            {},
            {"account_id": str(uuid4()), "contact_id": str(uuid4())},
            {"account_id": "x"},
        ],
    )
    def test_exactly_one_customer_is_asked_about(
        self, running: Engine, query: dict[str, str]
    ) -> None:
        answer = running.client.get(COLLISIONS, params=query, headers=auth("rep"))
        assert answer.status_code == 422
        assert answer.json()["errors"]

    def test_an_unknown_customer_is_404(self, running: Engine) -> None:
        account_id, _ = customer(running)
        for query in ({"account_id": uuid4()}, {"contact_id": account_id}):
            answer = running.client.get(COLLISIONS, params=query, headers=auth("rep"))
            assert answer.status_code == 404, answer.text

    def test_overrides_page_through_older_ones(self, running: Engine) -> None:
        account_id, _ = customer(running)
        reason = {"override_reason": "on purpose", "account_id": account_id}
        plan(running, "rep", account_id=account_id)
        for _ in range(3):
            last = plan(running, "other-rep", department=uuid4().hex, **reason)
            assert last.status_code == 201
        position = last.json()["position"]
        first = read(running, OVERRIDES, "manager", limit=2, min_position=position)
        assert len(first["items"]) == 2 and first["next_before"]
        rest = read(running, OVERRIDES, "manager", before=first["next_before"])
        assert len(rest["items"]) == 1
        mine = read(running, OVERRIDES, "manager", rep_id=str(REP_ID))
        assert mine["items"] == []
        assert UUID(rest["items"][0]["activity_id"])


def test_the_documented_answers_are_valid(engine: Engine) -> None:
    """The OpenAPI examples of both reads are answers the schema accepts."""
    from api.schemas.collisions import CollisionsOut, OverridesOut

    schemas = engine.client.get("/openapi.json").json()["components"]["schemas"]
    for model in (CollisionsOut, OverridesOut):
        examples = schemas[model.__name__]["examples"]
        assert examples
        for example in examples:
            model.model_validate(example)
