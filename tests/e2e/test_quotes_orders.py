"""``/quotes``, ``/quote-policy`` and ``/orders`` over HTTP: a quote from a
deal through approval, revisions and acceptance to a fulfilled order; the
lists; conventions; who may do what."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.main import create_app
from commands import accounts, reps
from commands.base import Caller, Context, execute
from commands.pipelines import ensure_default_pipeline
from infra.bootstrap import bootstrap
from infra.settings import Principal, Settings
from tests.e2e.conftest import REP_ID, TOKENS, Engine, auth
from tests.strategies import json_values

ADMIN = Context(Caller("setup", frozenset({"admin"})))
BOSS_ID = UUID("0a0a0a0a-0000-4000-8000-0000000000b0")
BOSS = Principal(name="boss", roles=("manager",), rep_id=BOSS_ID)
SOON = str(date.today() + timedelta(days=30))
DEAL_ID = str(uuid4())
VAN = {"sku": "VAN-1", "name": "Van", "list_price": "30000", "currency": "EUR"}


@dataclass
class Desk:
    engine: Engine
    product: str
    deal: str

    def call(
        self, method: str, url: str, body: Any = None, role: str = "rep", **headers: str
    ) -> Any:
        return self.engine.client.request(
            method, url, json=body, headers={**auth(role), **headers}
        )

    def ok(self, method: str, url: str, body: Any = None, role: str = "rep") -> Any:
        answer = self.call(method, url, body, role)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    def quote(self, discount: int = 0) -> dict[str, Any]:
        made = self.ok(
            "POST",
            f"/opportunities/{self.deal}/quotes",
            {"valid_until": SOON, "copy_lines": False},
        )
        body = {"product_id": self.product, "quantity": 2, "discount_percent": discount}
        return dict(self.ok("POST", f"/quotes/{made['id']}/lines", body))


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    """An engine whose rep Ann is in a team managed by Boss; a product; an
    open deal of Ann's."""
    tokens = {**TOKENS, "boss-token": BOSS}
    settings_ = Settings(sqlite_path=tmp_path / "sfa.db", api_tokens=tokens)
    container = bootstrap(settings_, seed=False)
    app = container.app
    ensure_default_pipeline(app)
    for rep_id, name in [(REP_ID, "Ann"), (BOSS_ID, "Boss")]:
        command = reps.RegisterRep(id=rep_id, name=name, email=f"{name}@sfa.dev")
        execute(reps.register_rep, app, command, ADMIN)
    team = execute(
        reps.form_team, app, reps.FormTeam(name="North", manager_id=BOSS_ID), ADMIN
    )
    member = reps.AddTeamMember(team_id=team.aggregate.id, rep_id=REP_ID)
    execute(reps.add_team_member, app, member, ADMIN)
    account = execute(
        accounts.open_account, app, accounts.OpenAccount(name="Acme"), ADMIN
    )
    with TestClient(create_app(lambda: container)) as client:
        container.projections.start()
        engine = Engine(client, container)
        desk = Desk(engine, "", "")
        desk.product = desk.ok("POST", "/products", VAN, "admin")["id"]
        desk.deal = desk.ok(
            "POST",
            "/opportunities",
            {
                "account_id": str(account.aggregate.id),
                "name": "Fleet",
                "currency": "EUR",
                "expected_close_date": "2027-03-31",
                "owner_id": str(REP_ID),
            },
        )["id"]
        yield desk
        container.projections.stop()


class TestQuoteToOrder:
    def test_approval_revision_acceptance_order_fulfilment(self, desk: Desk) -> None:
        quote = desk.quote(discount=25)  # 25 % > 10 %: a manager must approve
        url = f"/quotes/{quote['id']}"
        assert (quote["gross"], quote["net"], quote["needs_approval"]) == (
            "60000",
            "45000",
            True,
        )
        refused = desk.call("POST", f"{url}/send")
        assert (refused.status_code, refused.json()["rule"]) == (
            422,
            "approval_required",
        )
        desk.ok("POST", f"{url}/approval-request")
        assert desk.call("POST", f"{url}/approve").status_code == 403  # the rep
        assert desk.call("POST", f"{url}/approve", role="manager").status_code == 403
        approved = desk.ok("POST", f"{url}/approve", role="boss")
        assert approved["approved_discount"] == "25.0000"
        desk.ok("POST", f"{url}/send")
        desk.ok("POST", f"{url}/reject", {"reason": "too dear"})
        desk.ok("POST", f"{url}/revise")
        line = approved["lines"][0]["line_id"]
        changed = desk.ok("PATCH", f"{url}/lines/{line}", {"discount_percent": 5})
        assert (changed["revision"], changed["needs_approval"]) == (2, False)
        desk.ok("POST", f"{url}/send")
        stale = desk.call("POST", f"{url}/accept", {"revision": 1})
        assert stale.json()["rule"] == "revision_superseded"
        accepted = desk.ok("POST", f"{url}/accept", {"revision": 2})
        assert [(r["revision"], r["net"]) for r in accepted["sent"]] == [
            (1, "45000"),
            (2, "57000"),
        ]
        order = desk.call("POST", "/orders", {"quote_id": quote["id"]})
        assert order.status_code == 201 and order.json()["total"] == "57000"
        again = desk.call("POST", "/orders", {"quote_id": quote["id"]})
        assert (again.status_code, again.json()["id"]) == (200, order.json()["id"])
        ourl = f"/orders/{order.json()['id']}"
        desk.ok("POST", f"{ourl}/confirm", None, "service")
        shipped = desk.ok(
            "POST",
            f"{ourl}/fulfilments",
            {"lines": [{"line_id": line, "quantity": 2}]},
            "service",
        )
        assert shipped["status"] == "fulfilled"
        at = shipped["position"]
        listed = desk.ok(
            "GET",
            f"/orders?owner_id={REP_ID}&status=fulfilled&min_position={at}",
            role="analyst",
        )
        assert [o["total"] for o in listed["items"]] == ["57000"]
        quotes = desk.ok("GET", f"/quotes?opportunity_id={desk.deal}", role="auditor")
        assert [(q["status"], q["revision"], q["net"]) for q in quotes["items"]] == [
            ("accepted", 2, "57000")
        ]

    def test_accepting_with_win_deal_wins_it_at_the_accepted_total(
        self, desk: Desk
    ) -> None:
        quote = desk.quote(discount=5)  # 2 vans at 30,000 less 5 %: 57,000
        url = f"/quotes/{quote['id']}"
        desk.ok("POST", f"{url}/send")
        head = desk.engine.head()

        accepted = desk.ok("POST", f"{url}/accept", {"revision": 1, "win_deal": True})

        assert accepted["status"] == "accepted"
        deal = desk.ok("GET", f"/opportunities/{desk.deal}")
        assert (deal["status"], deal["amount"], deal["currency"]) == (
            "won",
            "57000",
            "EUR",
        )
        assert accepted["position"] == desk.engine.head() == head + 3
        again = desk.ok("POST", f"/opportunities/{desk.deal}/reopen")
        assert again["status"] == "open"
        second = desk.quote()
        desk.ok("POST", f"/quotes/{second['id']}/send")
        desk.ok("POST", f"/quotes/{second['id']}/accept", {"revision": 1})
        assert desk.ok("GET", f"/opportunities/{desk.deal}")["status"] == "open"

    def test_another_owners_rep_neither_accepts_nor_wins(self, desk: Desk) -> None:
        quote = desk.quote()
        url = f"/quotes/{quote['id']}"
        desk.ok("POST", f"{url}/send")
        head = desk.engine.head()

        refused = desk.call(
            "POST", f"{url}/accept", {"revision": 1, "win_deal": True}, "other-rep"
        )

        assert refused.status_code == 403, refused.text
        assert desk.engine.head() == head

    def test_orders_by_period(self, desk: Desk) -> None:
        quote = desk.quote()
        desk.ok("POST", f"/quotes/{quote['id']}/send")
        desk.ok("POST", f"/quotes/{quote['id']}/accept", {"revision": 1})
        at = desk.ok("POST", "/orders", {"quote_id": quote["id"]})["position"]
        now = datetime.now(UTC)
        hour = timedelta(hours=1)

        def listed(**query: Any) -> int:
            params = {"min_position": at, **query}
            return len(
                desk.engine.client.get(
                    "/orders", params=params, headers=auth("rep")
                ).json()["items"]
            )

        assert (
            listed(
                placed_since=(now - hour).isoformat(),
                placed_until=(now + hour).isoformat(),
            )
            == 1
        )
        assert listed(placed_until=(now - hour).isoformat()) == 0
        assert listed(placed_since=(now - hour).astimezone().isoformat()) == 1
        assert listed(account_id=str(uuid4())) == 0
        assert listed(placed_since="0001-01-01T00:00:00+05:00") == 1
        assert listed(placed_until="9999-12-31T23:59:59-05:00") == 1
        odd = desk.engine.client.get(
            "/orders?cursor=99999999999999999999", headers=auth("rep")
        )
        assert odd.status_code == 422

    def test_the_threshold_policy(self, desk: Desk) -> None:
        before = desk.call("GET", "/quote-policy")
        assert (before.json()["approval_threshold"], before.headers["etag"]) == (
            "10",
            '"0"',
        )
        assert (
            desk.call(
                "PUT", "/quote-policy", {"approval_threshold": 30}, "manager"
            ).status_code
            == 403
        )
        changed = desk.call("PUT", "/quote-policy", {"approval_threshold": 30}, "admin")
        assert changed.status_code == 201 and changed.json()["version"] == 1
        assert desk.quote(discount=25)["needs_approval"] is False


class TestConventions:
    def test_if_match_and_idempotency(self, desk: Desk) -> None:
        quote = desk.quote()
        url = f"/quotes/{quote['id']}/validity"
        stale = desk.call("POST", url, {"valid_until": SOON}, **{"If-Match": "1"})
        assert stale.status_code == 412
        key = {"Idempotency-Key": "v-1"}
        one = desk.call("POST", url, {"valid_until": "2030-01-01"}, **key)
        two = desk.call("POST", url, {"valid_until": "2030-01-01"}, **key)
        assert one.json() == two.json() and one.json()["version"] == 3
        assert (
            desk.call("POST", url, {"valid_until": "2031-01-01"}, **key).status_code
            == 422
        )

    @pytest.mark.parametrize(
        ("url", "body"),
        [
            ("/orders", {}),
            ("/orders", {"quote_id": DEAL_ID, "opportunity_id": DEAL_ID}),
            ("/quotes/{quote}/lines", {"quantity": 1}),
        ],
    )
    def test_exactly_one_source_or_422(
        self, desk: Desk, url: str, body: dict[str, Any]
    ) -> None:
        url = url.format(quote=desk.quote()["id"])
        head = desk.engine.head()
        answer = desk.call("POST", url, body)
        assert answer.status_code == 422 and answer.json()["errors"], answer.text
        assert desk.engine.head() == head

    def test_a_won_deal_is_ordered_once(self, desk: Desk) -> None:
        desk.ok("POST", f"/opportunities/{desk.deal}/win")
        first = desk.call("POST", "/orders", {"opportunity_id": desk.deal})
        assert first.status_code == 201
        assert first.json()["lines"][0]["product"] == "Fleet"
        quote = desk.call(
            "POST", f"/opportunities/{desk.deal}/quotes", {"valid_until": SOON}
        )
        assert quote.json()["rule"] == "opportunity_closed"


def routes(desk: Desk, quote: str, order: str) -> list[tuple[str, str, Any]]:
    q, o = f"/quotes/{quote}", f"/orders/{order}"
    line = str(uuid4())
    return [
        ("GET", "/quotes", None),
        ("GET", q, None),
        ("GET", "/orders", None),
        ("GET", o, None),
        ("GET", "/quote-policy", None),
        ("POST", f"/opportunities/{desk.deal}/quotes", {"valid_until": SOON}),
        ("POST", f"{q}/lines", {"product_id": desk.product, "quantity": 1}),
        ("PATCH", f"{q}/lines/{line}", {"quantity": 1}),
        ("DELETE", f"{q}/lines/{line}", None),
        ("POST", f"{q}/validity", {"valid_until": SOON}),
        ("POST", f"{q}/approval-request", None),
        ("POST", f"{q}/approve", None),
        ("POST", f"{q}/decline", {"reason": "no"}),
        ("POST", f"{q}/send", None),
        ("POST", f"{q}/accept", {"revision": 1}),
        ("POST", f"{q}/reject", {"reason": "no"}),
        ("POST", f"{q}/revise", None),
        ("PUT", "/quote-policy", {"approval_threshold": 10}),
        ("POST", "/orders", {"quote_id": quote}),
        ("POST", f"{o}/confirm", None),
        ("POST", f"{o}/fulfilments", {"lines": [{"line_id": line, "quantity": 1}]}),
        ("POST", f"{o}/cancel", {"reason": "no"}),
        ("POST", f"{o}/return", {"reason": "no"}),
    ]


class TestWhoMayDoWhat:
    def test_every_route_needs_a_token(self, desk: Desk) -> None:
        for method, url, body in routes(desk, desk.quote()["id"], str(uuid4())):
            answer = desk.engine.client.request(method, url, json=body)
            assert answer.status_code == 401, (method, url)

    @pytest.mark.parametrize("role", ["analyst", "auditor", "other-rep"])
    def test_readers_and_other_reps_never_write(self, desk: Desk, role: str) -> None:
        quote = desk.quote()["id"]
        head = desk.engine.head()
        for method, url, body in routes(desk, quote, str(uuid4())):
            answer = desk.call(method, url, body, role)
            if method == "GET":  # a made-up order is not found, not forbidden
                assert answer.status_code in (200, 404), (url, answer.text)
            elif role != "other-rep" or url.startswith(f"/quotes/{quote}"):
                assert answer.status_code in (403, 404), (method, url, answer.text)
        assert desk.engine.head() == head


FIELDS = [
    "valid_until",
    "copy_lines",
    "product_id",
    "configuration_id",
    "quantity",
    "discount_percent",
    "reason",
    "revision",
    "approval_threshold",
    "quote_id",
    "opportunity_id",
    "lines",
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    route=st.integers(0, 22),
    body=st.none()
    | st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4)
    | json_values,
)
def test_no_input_gives_a_500(desk: Desk, route: int, body: Any) -> None:
    method, url, _ = routes(desk, str(uuid4()), str(uuid4()))[route]
    answer = desk.call(method, url, body, "admin")
    assert answer.status_code < 500, answer.text
