"""``/products``, the configurator, configurations and ``/knowledge`` over
HTTP: the catalogue's lifecycle, as-of pricing, and who may do what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import accounts
from commands.base import Caller, Context, execute
from commands.pipelines import ensure_default_pipeline
from tests.e2e.conftest import REP_ID, Engine, auth
from tests.strategies import json_values

ADMIN = Context(Caller("setup", frozenset({"admin"})))
VAN = {"sku": "van-1", "name": "Van", "list_price": "30000", "currency": "EUR"}


@dataclass
class Shop:
    engine: Engine
    product: str  # a configured van: colour (required), extras (multiple)
    account_id: str

    def call(
        self,
        method: str,
        url: str,
        body: Any = None,
        role: str = "admin",
        **headers: str,
    ) -> Any:
        return self.engine.client.request(
            method, url, json=body, headers={**auth(role), **headers}
        )

    def ok(self, method: str, url: str, body: Any = None, role: str = "admin") -> Any:
        answer = self.call(method, url, body, role)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()


@pytest.fixture
def shop(running: Engine) -> Shop:
    app = running.container.app
    ensure_default_pipeline(app)
    account = execute(
        accounts.open_account, app, accounts.OpenAccount(name="Acme"), ADMIN
    )
    shop = Shop(running, "", str(account.aggregate.id))
    shop.product = shop.ok("POST", "/products", VAN)["id"]
    url = f"/products/{shop.product}"
    shop.ok(
        "POST",
        f"{url}/option-groups",
        {"key": "colour", "name": "Colour", "required": True},
    )
    shop.ok(
        "POST",
        f"{url}/option-groups",
        {"key": "extras", "name": "Extras", "choice": "multiple"},
    )
    for key, group, delta in [
        ("white", "colour", 0),
        ("red", "colour", 500),
        ("leather", "extras", 1800),
        ("heated", "extras", 300),
        ("towbar", "extras", 650),
    ]:
        body = {"key": key, "group": group, "name": key.title(), "price_delta": delta}
        shop.ok("POST", f"{url}/options", body)
    return shop


def deal(shop: Shop, currency: str = "EUR") -> str:
    body = {
        "account_id": shop.account_id,
        "name": "Fleet",
        "currency": currency,
        "expected_close_date": "2027-03-31",
        "owner_id": str(REP_ID),
    }
    return str(shop.ok("POST", "/opportunities", body, "rep")["id"])


class TestProducts:
    def test_introduce_change_retire_and_read_as_of(self, shop: Shop) -> None:
        head = shop.engine.head()
        again = shop.call("POST", "/products", VAN)
        assert (again.status_code, again.json()["id"]) == (200, shop.product)
        taken = shop.call("POST", "/products", {**VAN, "name": "Other"})
        assert (taken.status_code, taken.json()["rule"]) == (409, "sku_taken")
        assert shop.engine.head() == head
        url = f"/products/{shop.product}"
        changed = shop.call(
            "POST", f"{url}/price", {"list_price": "31000"}, **{"If-Match": "8"}
        )
        assert changed.status_code == 200 and changed.headers["etag"] == '"9"'
        assert changed.json()["position"] == shop.engine.head()
        stale = shop.call("PATCH", url, {"name": "Van 2"}, **{"If-Match": "8"})
        assert stale.status_code == 412
        retired = shop.ok("POST", f"{url}/retire", {"reason": "replaced"})
        assert retired["status"] == "retired"
        then = shop.engine.client.get(f"{url}?version=1", headers=auth("analyst"))
        assert then.json()["list_price"] == "30000" and then.json()["options"] == []
        assert then.headers["etag"] == '"1"'
        assert shop.call("GET", f"{url}?version=99", role="rep").status_code == 404

    def test_the_catalogue_lists_and_searches(self, shop: Shop) -> None:
        shop.ok("POST", "/products", {**VAN, "sku": "TRK-9", "name": "Truck"})
        made = shop.ok(
            "POST",
            "/products",
            {**VAN, "sku": "car-2", "name": "Car", "description": "estate, diesel"},
        )
        at = made["position"]
        found = shop.ok("GET", f"/products?q=DIESEL&min_position={at}", role="rep")
        assert [p["sku"] for p in found["items"]] == ["CAR-2"]
        page = shop.ok("GET", "/products?limit=2", role="analyst")
        assert [p["sku"] for p in page["items"]] == ["CAR-2", "TRK-9"]
        rest = shop.ok("GET", f"/products?limit=2&cursor={page['next_cursor']}")
        assert [p["sku"] for p in rest["items"]] == ["VAN-1"]
        assert rest["items"][0]["options"] == 5 and rest["next_cursor"] is None


class TestConfigurations:
    def test_invalid_selection_lists_every_broken_rule(self, shop: Shop) -> None:
        url = f"/products/{shop.product}"
        shop.ok(
            "POST",
            f"{url}/rules",
            {"kind": "requires", "option": "towbar", "other": "white"},
        )
        head = shop.engine.head()
        answer = shop.call(
            "POST",
            f"{url}/configurations",
            {"selection": ["red", "white", "towbar", "roof"]},
            "rep",
        )
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["rule"] == "configuration_invalid"
        assert [(e["rule"], e["options"]) for e in problem["errors"]] == [
            ("unknown_option", ["roof"]),
            ("single_choice", ["red", "white"]),
        ]
        assert shop.engine.head() == head

    def test_priced_recorded_and_kept_as_of(self, shop: Shop) -> None:
        url = f"/products/{shop.product}"
        shop.ok(
            "POST",
            f"{url}/rules",
            {"kind": "included_with", "option": "heated", "other": "leather"},
        )
        made = shop.call(
            "POST", f"{url}/configurations", {"selection": ["red", "leather"]}, "rep"
        )
        assert made.status_code == 201, made.text
        config = made.json()
        assert (config["total"], config["product_version"]) == ("32300", 9)
        assert [
            (o["option"], o["charged"], o["included_with"]) for o in config["options"]
        ] == [
            ("red", "500", None),
            ("leather", "1800", None),
            ("heated", "0", "leather"),
        ]
        shop.ok("POST", f"{url}/price", {"list_price": "99999"})
        shop.ok("PATCH", f"{url}/options/red", {"price_delta": "900"})
        kept = shop.ok("GET", f"/configurations/{config['id']}", role="auditor")
        assert kept["total"] == "32300" and kept["base_price"] == "30000"
        opportunity = deal(shop)
        line = shop.ok(
            "POST",
            f"/opportunities/{opportunity}/configured-lines",
            {"configuration_id": config["id"], "quantity": 2},
            "rep",
        )
        assert line["lines"][0]["unit_price"] == "32300"
        assert line["lines"][0]["configuration_id"] == config["id"]
        assert line["lines_total"] == "64600"

    def test_a_deal_in_another_currency_is_refused(self, shop: Shop) -> None:
        config = shop.ok(
            "POST",
            f"/products/{shop.product}/configurations",
            {"selection": ["white"]},
            "rep",
        )
        answer = shop.call(
            "POST",
            f"/opportunities/{deal(shop, 'USD')}/configured-lines",
            {"configuration_id": config["id"], "quantity": 1},
            "rep",
        )
        assert (answer.status_code, answer.json()["rule"]) == (422, "currency_mismatch")

    def test_idempotent_repeat(self, shop: Shop) -> None:
        url, key = f"/products/{shop.product}/configurations", {"Idempotency-Key": "k1"}
        one = shop.call("POST", url, {"selection": ["white"]}, "rep", **key)
        two = shop.call("POST", url, {"selection": ["white"]}, "rep", **key)
        assert (one.status_code, two.status_code) == (201, 201)
        assert one.json() == two.json() and two.headers["idempotent-replayed"] == "true"
        other = shop.call("POST", url, {"selection": ["red"]}, "rep", **key)
        assert other.status_code == 422


class TestKnowledge:
    def test_write_find_revise_archive(self, shop: Shop) -> None:
        body = {
            "product_id": shop.product,
            "kind": "competitor",
            "title": "Against the Transit",
            "body": "Longer floor",
            "competitor": "Ford",
        }
        entry = shop.ok("POST", "/knowledge", body, "rep")
        url = f"/knowledge/{entry['id']}"
        assert entry["owner_id"] == str(REP_ID)
        assert (
            shop.call("PATCH", url, {"title": "Mine"}, "other-rep").status_code == 403
        )
        revised = shop.ok("PATCH", url, {"body": "Floor 4.3 m"}, "rep")
        found = shop.ok(
            "GET",
            f"/knowledge?q=ford+4.3&product_id={shop.product}"
            f"&min_position={revised['position']}",
            role="analyst",
        )
        assert [(e["title"], e["sku"], e["author"]) for e in found["items"]] == [
            ("Against the Transit", "VAN-1", "ann")
        ]
        archived = shop.ok("POST", f"{url}/archive", None, "rep")
        gone = shop.ok("GET", f"/knowledge?min_position={archived['position']}")
        assert gone["items"] == []
        assert shop.call("POST", f"{url}/archive", None, "rep").status_code == 422


def routes(product: str, entry: str) -> list[tuple[str, str, Any, frozenset[str]]]:
    """Every route with a valid body, and the roles that may call it."""
    url = f"/products/{product}"
    everyone = frozenset({"rep", "manager", "analyst", "auditor", "admin", "service"})
    catalogue = frozenset({"admin", "service"})
    writers = frozenset({"rep", "manager", "admin", "service"})
    return [
        ("GET", "/products", None, everyone),
        ("GET", url, None, everyone),
        ("GET", "/knowledge", None, everyone),
        ("GET", f"/knowledge/{entry}", None, everyone),
        ("POST", "/products", {**VAN, "sku": "X-1"}, catalogue),
        ("PATCH", url, {"name": "Van"}, catalogue),
        ("POST", f"{url}/price", {"list_price": 1}, catalogue),
        ("POST", f"{url}/option-groups", {"key": "roof", "name": "Roof"}, catalogue),
        (
            "POST",
            f"{url}/options",
            {"key": "blue", "group": "colour", "name": "B"},
            catalogue,
        ),
        ("PATCH", f"{url}/options/red", {"name": "Red"}, catalogue),
        (
            "POST",
            f"{url}/rules",
            {"kind": "excludes", "option": "red", "other": "towbar"},
            catalogue,
        ),
        ("DELETE", f"{url}/options/blue", None, catalogue),
        ("DELETE", f"{url}/option-groups/roof", None, catalogue),
        ("DELETE", f"{url}/rules/{uuid4()}", None, catalogue),
        ("POST", f"{url}/configurations", {"selection": ["white"]}, writers),
        (
            "POST",
            f"/opportunities/{uuid4()}/configured-lines",
            {"configuration_id": str(uuid4()), "quantity": 1},
            writers,
        ),
        (
            "POST",
            "/knowledge",
            {"product_id": product, "kind": "note", "title": "t", "body": "b"},
            writers,
        ),
        ("PATCH", f"/knowledge/{entry}", {"title": "t"}, writers),
        ("POST", f"/knowledge/{entry}/archive", None, writers),
        ("POST", f"{url}/retire", {"reason": "old"}, catalogue),
        ("POST", f"{url}/reactivate", None, catalogue),
    ]


ROLES = ["rep", "manager", "analyst", "auditor", "service"]


class TestWhoMayDoWhat:
    def test_every_route_needs_a_token(self, shop: Shop) -> None:
        entry = shop.ok("POST", "/knowledge", routes(shop.product, "")[16][2])["id"]
        for method, url, body, _ in routes(shop.product, entry):
            answer = shop.engine.client.request(method, url, json=body)
            assert answer.status_code == 401, (method, url)

    @pytest.mark.parametrize("role", ROLES)
    def test_roles_outside_a_route_are_refused(self, shop: Shop, role: str) -> None:
        entry = shop.ok("POST", "/knowledge", routes(shop.product, "")[16][2])["id"]
        head = shop.engine.head()
        for method, url, body, allowed in routes(shop.product, entry):
            answer = shop.call(method, url, body, role)
            if role in allowed:
                assert answer.status_code != 403, (method, url, answer.text)
            else:
                assert answer.status_code == 403, (method, url)
        if role in ("analyst", "auditor"):
            assert shop.engine.head() == head


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    route=st.integers(0, 20),
    body=st.none()
    | st.dictionaries(
        st.sampled_from(
            [
                "sku",
                "name",
                "list_price",
                "currency",
                "key",
                "group",
                "price_delta",
                "kind",
                "option",
                "other",
                "selection",
                "quantity",
                "configuration_id",
                "product_id",
                "title",
                "body",
                "reason",
                "choice",
                "required",
            ]
        ),
        json_values | st.lists(st.text(max_size=5), max_size=3),
        max_size=4,
    )
    | json_values,
)
def test_no_input_gives_a_500(shop: Shop, route: int, body: Any) -> None:
    method, url, _, _ = routes(shop.product, str(uuid4()))[route]
    answer = shop.call(method, url, body)
    assert answer.status_code < 500, answer.text
