"""``/opportunities`` over HTTP: a deal's lifecycle, its lines, and who may
do what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import accounts, reps
from commands.base import Caller, Context, execute
from commands.pipelines import ensure_default_pipeline
from tests.e2e.conftest import OTHER_REP_ID, REP_ID, Engine, auth
from tests.strategies import json_values
from tests.unit.helpers import event_names, events_of

ADMIN = Context(Caller("setup", frozenset({"admin"})))


@dataclass
class World:
    engine: Engine
    account_id: str
    start: int  # the log position after setting up

    def post(
        self, url: str, body: Any = None, role: str = "rep", **headers: str
    ) -> Any:
        return self.engine.client.post(
            url, json=body, headers={**auth(role), **headers}
        )

    def open(self, role: str = "rep", **fields: Any) -> Any:
        body = {
            "account_id": self.account_id,
            "name": "Fleet renewal",
            "amount": "48000.00",
            "currency": "EUR",
            "expected_close_date": "2027-03-31",
            "owner_id": str(REP_ID),
            **fields,
        }
        return self.post("/opportunities", body, role)


@pytest.fixture
def world(engine: Engine) -> World:
    app = engine.container.app
    ensure_default_pipeline(app)
    for rep_id, name in [(REP_ID, "Ann"), (OTHER_REP_ID, "Bob")]:
        register = reps.RegisterRep(id=rep_id, name=name, email=f"{name}@sfa.dev")
        execute(reps.register_rep, app, register, ADMIN)
    account = execute(
        accounts.open_account, app, accounts.OpenAccount(name="Acme"), ADMIN
    )
    return World(engine, str(account.aggregate.id), engine.head())


def routes(deal: str, line: str) -> list[tuple[str, str, Any]]:
    """Every route with a valid body; writes after the read."""
    one = f"/opportunities/{deal}"
    return [
        ("GET", one, None),
        ("PATCH", one, {"name": "Renamed"}),
        ("POST", f"{one}/owner", {"owner_id": str(REP_ID)}),
        ("POST", f"{one}/stage", {"stage": "proposal"}),
        ("POST", f"{one}/lines", {"product": "Van", "quantity": 1, "unit_price": 9}),
        ("PATCH", f"{one}/lines/{line}", {"quantity": 2}),
        ("DELETE", f"{one}/lines/{line}", None),
        ("POST", f"{one}/lose", {"reason": "price"}),
        ("POST", f"{one}/reopen", None),
        ("POST", f"{one}/win", None),
    ]


class TestLifecycle:
    def test_open_advance_lines_win(self, world: World) -> None:
        opened = world.open()
        assert opened.status_code == 201
        deal = opened.json()
        assert (deal["stage"], deal["probability"], deal["status"]) == (
            "prospecting",
            10,
            "open",
        )
        assert (deal["amount"], deal["version"], opened.headers["etag"]) == (
            "48000.00",
            1,
            '"1"',
        )
        url, line = f"/opportunities/{deal['id']}", str(uuid4())
        steps = [
            ("stage", {"stage": "proposal"}),
            (
                "lines",
                {
                    "line_id": line,
                    "product": "Van",
                    "quantity": 4,
                    "unit_price": "12000",
                },
            ),
            ("stage", {"stage": "negotiation"}),
            ("win", None),
        ]
        for version, (path, body) in enumerate(steps, start=1):
            answer = world.post(f"{url}/{path}", body, **{"If-Match": str(version)})
            assert answer.status_code == 200, answer.json()
            assert answer.json()["position"] == world.engine.head()
        won = world.engine.client.get(url, headers=auth("analyst")).json()
        assert (won["status"], won["probability"], won["forecast_category"]) == (
            "won",
            100,
            "closed",
        )
        assert won["lines"][0]["total"] == "48000" and won["lines_total"] == "48000"
        events = events_of(world.engine.container.app, UUID(deal["id"]))
        assert [type(e).__name__ for e in events] == [
            "Opened",
            "StageChanged",
            "LineItemAdded",
            "StageChanged",
            "Won",
        ]
        assert {e.actor for e in events} == {"ann"}
        assert (events[3].from_stage, events[3].to_stage, events[3].probability) == (
            "proposal",
            "negotiation",
            75,
        )

    def test_lose_reopen_and_details(self, world: World) -> None:
        deal = world.open().json()
        url = f"/opportunities/{deal['id']}"
        patch = {
            "amount": "50000",
            "currency": "usd",
            "expected_close_date": "2027-05-01",
        }
        answer = world.engine.client.patch(url, json=patch, headers=auth("rep"))
        assert (answer.json()["amount"], answer.json()["currency"]) == ("50000", "USD")
        assert world.post(f"{url}/lose", {}).status_code == 422
        assert (
            world.post(f"{url}/lose", {"reason": "budget cut"}).json()["status"]
            == "lost"
        )
        moved = world.post(f"{url}/stage", {"stage": "proposal"})
        assert moved.status_code == 422 and moved.json()["rule"] == "opportunity_closed"
        reopened = world.post(f"{url}/reopen", {"stage": "qualification"})
        assert (reopened.json()["status"], reopened.json()["stage"]) == (
            "open",
            "qualification",
        )
        assert event_names(world.engine.container.app, UUID(deal["id"])) == [
            "Opened",
            "AmountChanged",
            "CloseDateChanged",
            "Lost",
            "Reopened",
        ]

    def test_line_items_change_and_go(self, world: World) -> None:
        deal = world.open().json()
        url = f"/opportunities/{deal['id']}/lines"
        line = {"product": "Seat", "sku": "LEA-1", "quantity": "2.5", "unit_price": 10}
        added = world.post(url, line).json()["lines"][0]
        changed = world.engine.client.patch(
            f"{url}/{added['line_id']}", json={"unit_price": 12}, headers=auth("rep")
        )
        assert changed.json()["lines"][0]["total"] == "30.0"
        gone = world.engine.client.delete(
            f"{url}/{added['line_id']}", headers=auth("rep")
        )
        assert gone.json()["lines"] == []
        again = world.engine.client.delete(
            f"{url}/{added['line_id']}", headers=auth("rep")
        )
        assert again.status_code == 422 and again.json()["rule"] == "unknown_line"


class TestConventions:
    def test_stale_if_match_is_412(self, world: World) -> None:
        deal = world.open().json()
        url = f"/opportunities/{deal['id']}/stage"
        assert (
            world.post(url, {"stage": "proposal"}, **{"If-Match": "1"}).status_code
            == 200
        )
        head = world.engine.head()
        stale = world.post(url, {"stage": "negotiation"}, **{"If-Match": "1"})
        assert stale.status_code == 412 and world.engine.head() == head

    def test_idempotent_repeat(self, world: World) -> None:
        first = world.post("/opportunities", None)  # no body: 422, nothing recorded
        assert first.status_code == 422 and world.engine.head() == world.start
        key = {"Idempotency-Key": "deal-1"}
        body = {
            "account_id": world.account_id,
            "name": "X",
            "currency": "EUR",
            "expected_close_date": "2027-01-01",
        }
        one, two = (
            world.post("/opportunities", body, **key),
            world.post("/opportunities", body, **key),
        )
        assert (one.status_code, two.status_code) == (201, 201)
        assert one.json() == two.json() and world.engine.head() == world.start + 1

    @pytest.mark.parametrize(
        ("fields", "status", "rule"),
        [
            ({"account_id": str(uuid4())}, 422, "unknown_account"),
            ({"stage": "nowhere"}, 422, "unknown_stage"),
            ({"pipeline_id": str(uuid4())}, 422, "unknown_pipeline"),
            (
                {"owner_id": str(uuid4()), "role": "admin"},
                422,
                "owner_must_be_active_rep",
            ),
            ({"owner_id": str(OTHER_REP_ID)}, 403, "forbidden"),
            ({"currency": "EURO"}, 422, None),
            ({"currency": "XAU"}, 422, None),
            ({"amount": "-1"}, 422, None),
            ({"amount": 1e300}, 422, None),
            ({"amount": "NaN"}, 422, None),
            ({"expected_close_date": "2027-02-30"}, 422, None),
            ({"name": ""}, 422, None),
            ({"surprise": True}, 422, None),
        ],
    )
    def test_refused_opens_record_nothing(
        self, world: World, fields: dict[str, Any], status: int, rule: str | None
    ) -> None:
        answer = world.open(**fields)  # as the rep, unless fields name a role
        assert answer.status_code == status
        assert answer.json().get("rule") == rule
        assert world.engine.head() == world.start


class TestWhoMayDoWhat:
    def test_every_route_needs_a_token(self, world: World) -> None:
        deal, line = world.open().json()["id"], str(uuid4())
        assert world.engine.client.post("/opportunities", json={}).status_code == 401
        for method, url, body in routes(deal, line):
            answer = world.engine.client.request(method, url, json=body)
            assert answer.status_code == 401, (method, url)

    @pytest.mark.parametrize("role", ["analyst", "auditor"])
    def test_read_only_roles_read_but_never_write(
        self, world: World, role: str
    ) -> None:
        deal, line = world.open().json()["id"], str(uuid4())
        head = world.engine.head()
        assert world.open(role).status_code == 403
        get, *writes = routes(deal, line)
        assert world.engine.client.get(get[1], headers=auth(role)).status_code == 200
        for method, url, body in writes:
            answer = world.engine.client.request(
                method, url, json=body, headers=auth(role)
            )
            assert answer.status_code == 403, (method, url)
        assert world.engine.head() == head

    def test_a_rep_may_not_touch_another_reps_deal(self, world: World) -> None:
        deal = world.open("admin", owner_id=str(OTHER_REP_ID)).json()["id"]
        head = world.engine.head()
        _, *writes = routes(deal, str(uuid4()))
        for method, url, body in writes:
            answer = world.engine.client.request(
                method, url, json=body, headers=auth("rep")
            )
            assert answer.status_code == 403, (method, url)
        assert world.engine.head() == head
        for role in ("other-rep", "manager", "service", "admin"):
            moved = world.post(
                f"/opportunities/{deal}/stage", {"stage": "proposal"}, role
            )
            assert moved.status_code == (200 if role != "manager" else 403), role


FIELDS = [
    "account_id",
    "name",
    "amount",
    "currency",
    "expected_close_date",
    "stage",
    "reason",
    "quantity",
    "unit_price",
    "product",
    "line_id",
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    route=st.integers(0, 10),
    existing=st.booleans(),
    body=st.none()
    | st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4)
    | json_values,
)
def test_no_input_gives_a_500(
    world: World, route: int, existing: bool, body: Any
) -> None:
    deal = world.open("admin").json()["id"] if existing else str(uuid4())
    method, url, _ = [("POST", "/opportunities", None), *routes(deal, "x")][route]
    answer = world.engine.client.request(method, url, json=body, headers=auth("admin"))
    assert answer.status_code < 500, answer.text
