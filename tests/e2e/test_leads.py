"""``/leads`` over HTTP: capture, details, work, qualify, disqualify, score,
owner, conversion, and the write conventions of DESIGN.md on each."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.schemas.leads import (
    ConvertIn,
    DisqualifyIn,
    LeadIn,
    LeadOwnerIn,
    LeadPatch,
    ScoreIn,
)
from commands.pipelines import ensure_default_pipeline
from tests.e2e.conftest import OTHER_REP_ID, REP_ID, Engine, auth
from tests.strategies import json_values
from tests.unit.helpers import event_names, events_of

BOUGHT = {
    "kind": "purchased_list",
    "list_name": "Expo 2030 visitors",
    "cost_per_lead": "1.25",
    "currency": "EUR",
}
GRACE = {
    "given_name": "Grace",
    "family_name": "Hopper",
    "email": "Grace@Navy.Example",
    "company_name": "Navy Labs",
    "web_domain": "https://www.navy.example/",
    "source": BOUGHT,
}


DEAL = {
    "create_opportunity": True,
    "opportunity_name": "Navy Labs fleet",
    "amount": "48000.00",
    "currency": "EUR",
    "expected_close_date": "2030-12-31",
}


@pytest.fixture
def sales(reps: Engine) -> Engine:
    """Reps, and the default pipeline as at first start."""
    ensure_default_pipeline(reps.container.app)
    return reps


def post(
    engine: Engine, path: str, body: Any, role: str = "rep", **headers: str
) -> Any:
    return engine.client.post(path, json=body, headers={**auth(role), **headers})


def capture(engine: Engine, role: str = "rep", **fields: Any) -> Any:
    return post(engine, "/leads", {**GRACE, **fields}, role)


class TestCaptureLead:
    def test_captured_normalised_with_version_etag_and_position(
        self, reps: Engine
    ) -> None:
        answer = capture(reps, score=40)
        assert answer.status_code == 201
        lead = answer.json()
        assert (lead["email"], lead["web_domain"]) == (
            "grace@navy.example",
            "navy.example",
        )
        assert (lead["source"], lead["cost_per_lead"], lead["currency"]) == (
            "purchased_list",
            "1.25",
            "EUR",
        )
        assert (lead["status"], lead["score"], lead["owner_id"]) == ("new", 40, None)
        assert lead["position"] == reps.head() and answer.headers["etag"] == '"1"'
        read = reps.client.get(f"/leads/{lead['id']}", headers=auth("analyst"))
        assert read.json()["list_name"] == "Expo 2030 visitors"

    def test_same_client_id_and_body_twice_creates_nothing(self, reps: Engine) -> None:
        lead_id = str(uuid4())
        assert capture(reps, id=lead_id).status_code == 201
        head = reps.head()
        assert capture(reps, id=lead_id).status_code == 200
        assert capture(reps, id=lead_id, score=9).status_code == 409
        assert reps.head() == head

    @pytest.mark.parametrize(
        ("fields", "where"),
        [
            ({"source": {"kind": "purchased_list"}}, "body.source.purchased_list"),
            ({"source": {"kind": "web", "product": "x"}}, "body.source.web.product"),
            ({"score": 101}, "body.score"),
            ({"email": "not-an-email"}, "body.email"),
            ({"web_domain": "nowhere"}, "body.web_domain"),
        ],
    )
    def test_invalid_fields_are_named_and_record_nothing(
        self, reps: Engine, fields: dict[str, Any], where: str
    ) -> None:
        head = reps.head()
        answer = capture(reps, **fields)
        assert answer.status_code == 422
        named = {error["field"] for error in answer.json()["errors"]}
        assert any(name.startswith(where) for name in named), named
        assert reps.head() == head

    def test_a_lead_needs_a_name_a_company_or_an_email(self, reps: Engine) -> None:
        answer = post(reps, "/leads", {"title": "CTO", "source": {"kind": "web"}})
        assert answer.status_code == 422
        assert answer.json()["rule"] == "lead_needs_identity"
        assert reps.head() == 2


class TestLeadLifecycle:
    def test_a_purchased_list_lead_is_worked_scored_and_qualified(
        self, reps: Engine
    ) -> None:
        lead = capture(reps).json()
        url = f"/leads/{lead['id']}"
        assert post(reps, f"{url}/owner", {"owner_id": str(REP_ID)}).status_code == 200
        assert post(reps, f"{url}/work", None).json()["status"] == "working"
        assert post(reps, f"{url}/score", {"score": 80}).json()["score"] == 80
        patch = {"title": "Rear Admiral", "phone": "+1 415 555 0100"}
        changed = reps.client.patch(url, json=patch, headers=auth("rep")).json()
        assert changed["phone"] == "+14155550100"
        qualified = post(reps, f"{url}/qualify", None, **{"If-Match": '"5"'})
        assert qualified.json()["status"] == "qualified"
        assert qualified.json()["version"] == 6
        app = reps.container.app
        assert event_names(app, UUID(lead["id"])) == [
            "Captured",
            "OwnerChanged",
            "WorkingStarted",
            "ScoreChanged",
            "DetailsChanged",
            "Qualified",
        ]
        assert events_of(app, UUID(lead["id"]))[-1].actor == "ann"

    def test_disqualified_then_reopened(self, reps: Engine) -> None:
        url = f"/leads/{capture(reps).json()['id']}"
        no_reason = post(reps, f"{url}/disqualify", {"reason": " "})
        assert no_reason.json()["rule"] == "disqualify_needs_reason"
        out = post(reps, f"{url}/disqualify", {"reason": "student"}).json()
        assert (out["status"], out["disqualify_reason"]) == ("disqualified", "student")
        refused = post(reps, f"{url}/qualify", None)
        assert refused.status_code == 422
        assert refused.json()["rule"] == "lead_disqualified"
        reopened = post(reps, f"{url}/work", None).json()
        assert (reopened["status"], reopened["disqualify_reason"]) == ("working", None)
        assert reps.head() == 5

    def test_stale_if_match_is_412(self, reps: Engine) -> None:
        url = f"/leads/{capture(reps).json()['id']}"
        post(reps, f"{url}/score", {"score": 10})
        stale = post(reps, f"{url}/score", {"score": 20}, **{"If-Match": "1"})
        assert stale.status_code == 412 and reps.head() == 4


def qualified(engine: Engine, **fields: Any) -> str:
    """A qualified lead of the rep's: capture, own, qualify."""
    lead_id = str(capture(engine, owner_id=str(REP_ID), **fields).json()["id"])
    assert post(engine, f"/leads/{lead_id}/qualify", None).status_code == 200
    return lead_id


def ids() -> dict[str, str]:
    names = ("contact_id", "new_account_id", "opportunity_id")
    return {name: str(uuid4()) for name in names}


class TestConvertLead:
    def test_one_write_creates_contact_account_and_deal(self, sales: Engine) -> None:
        lead_id, chosen = qualified(sales), ids()
        answer = post(sales, f"/leads/{lead_id}/convert", {**chosen, **DEAL})
        assert answer.status_code == 201, answer.text
        out = answer.json()
        assert out == {
            "lead_id": lead_id,
            "status": "converted",
            "contact_id": chosen["contact_id"],
            "contact_version": 1,
            "account_id": chosen["new_account_id"],
            "account_version": 1,
            "opportunity_id": chosen["opportunity_id"],
            "opportunity_version": 1,
            "version": 3,
            "position": sales.head(),
        }
        assert answer.headers["etag"] == '"3"'
        read = {
            path: sales.client.get(path, headers=auth("analyst")).json()
            for path in (
                f"/contacts/{chosen['contact_id']}",
                f"/accounts/{chosen['new_account_id']}",
                f"/opportunities/{chosen['opportunity_id']}",
                f"/leads/{lead_id}",
            )
        }
        contact, account, deal, lead = read.values()
        assert (contact["emails"], contact["account_id"]) == (
            ["grace@navy.example"],
            account["id"],
        )
        assert (account["name"], account["web_domain"]) == ("Navy Labs", "navy.example")
        assert (deal["stage"], deal["primary_contact_id"]) == (
            "prospecting",
            contact["id"],
        )
        owners = {contact["owner_id"], account["owner_id"], deal["owner_id"]}
        assert owners == {str(REP_ID)}
        assert (lead["status"], lead["opportunity_id"]) == ("converted", deal["id"])

    def test_the_same_body_again_creates_nothing_another_is_refused(
        self, sales: Engine
    ) -> None:
        lead_id, chosen = qualified(sales), ids()
        url, body = f"/leads/{lead_id}/convert", {**chosen, **DEAL}
        first = post(sales, url, body)
        head = sales.head()
        again = post(sales, url, body)
        assert again.status_code == 200
        assert again.json() == first.json()
        assert again.headers["etag"] == first.headers["etag"]
        stale = post(sales, url, body, **{"If-Match": '"2"'})
        assert stale.status_code == 200  # a repeat changes nothing: no conflict
        other = post(sales, url, {**body, "amount": "1"})
        assert (other.status_code, other.json()["rule"]) == (422, "lead_converted")
        fresh = post(sales, url, {**ids(), **DEAL})
        assert (fresh.status_code, fresh.json()["rule"]) == (422, "lead_converted")
        assert sales.head() == head

    def test_an_idempotency_key_replays_the_first_answer(self, sales: Engine) -> None:
        lead_id = qualified(sales)
        url, key = f"/leads/{lead_id}/convert", {"Idempotency-Key": "convert-1"}
        first = post(sales, url, DEAL, **key)  # the server chooses the ids
        head = sales.head()
        again = post(sales, url, DEAL, **key)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert post(sales, url, {}, **key).status_code == 422
        assert sales.head() == head

    def test_into_an_existing_account(self, sales: Engine) -> None:
        account = post(sales, "/accounts", {"name": "Navy"}, "admin").json()
        lead_id = qualified(sales, company_name=None)
        body = {"account_id": account["id"]}
        out = post(sales, f"/leads/{lead_id}/convert", body).json()
        assert (out["account_id"], out["account_version"]) == (account["id"], 1)
        assert out["opportunity_id"] is None and out["opportunity_version"] is None

    def test_a_stale_if_match_is_412_and_records_nothing(self, sales: Engine) -> None:
        lead_id = qualified(sales)
        head = sales.head()
        url = f"/leads/{lead_id}/convert"
        assert post(sales, url, {}, **{"If-Match": '"1"'}).status_code == 412
        assert sales.head() == head
        assert post(sales, url, {}, **{"If-Match": '"2"'}).status_code == 201

    def test_a_chosen_id_in_use_is_409(self, sales: Engine) -> None:
        lead_id, other_lead = qualified(sales), qualified(sales)
        head = sales.head()
        body = {"contact_id": other_lead}
        answer = post(sales, f"/leads/{lead_id}/convert", body)
        assert (answer.status_code, answer.json()["rule"]) == (409, "id_reused")
        assert sales.head() == head

    @pytest.mark.parametrize(
        ("lead", "body", "rule"),
        [
            ({"qualify": False}, {}, "lead_not_qualified"),
            ({"company_name": None}, {}, "convert_needs_account"),
            ({"given_name": None}, {}, "convert_needs_given_name"),
            ({}, {"account_id": str(uuid4())}, "unknown_account"),
        ],
    )
    def test_broken_rules_are_named_422s_that_record_nothing(
        self, sales: Engine, lead: dict[str, Any], body: dict[str, Any], rule: str
    ) -> None:
        if lead.pop("qualify", True):
            lead_id = qualified(sales, **lead)
        else:
            lead_id = capture(sales, owner_id=str(REP_ID)).json()["id"]
        head = sales.head()
        answer = post(sales, f"/leads/{lead_id}/convert", body)
        assert (answer.status_code, answer.json()["rule"]) == (422, rule)
        assert sales.head() == head

    def test_without_a_default_pipeline_nothing_is_converted(
        self, reps: Engine
    ) -> None:
        lead_id = qualified(reps)
        head = reps.head()
        answer = post(reps, f"/leads/{lead_id}/convert", DEAL)
        assert (answer.status_code, answer.json()["rule"]) == (422, "unknown_pipeline")
        assert reps.head() == head

    @pytest.mark.parametrize(
        ("body", "where"),
        [
            ({"amount": "1"}, "body"),
            ({**DEAL, "currency": "XXX"}, "body.currency"),
            ({**DEAL, "expected_close_date": None}, "body"),
            ({"account_id": str(uuid4()), "new_account_id": str(uuid4())}, "body"),
            ({"contact_id": "me"}, "body.contact_id"),
        ],
    )
    def test_invalid_bodies_are_422_and_record_nothing(
        self, sales: Engine, body: dict[str, Any], where: str
    ) -> None:
        lead_id = qualified(sales)
        head = sales.head()
        answer = post(sales, f"/leads/{lead_id}/convert", body)
        assert answer.status_code == 422
        assert where in {e["field"] for e in answer.json()["errors"]}
        assert sales.head() == head


def routes(lead_id: str) -> list[tuple[str, str, Any]]:
    one = f"/leads/{lead_id}"
    return [
        ("POST", "/leads", {"company_name": "Acme", "source": {"kind": "web"}}),
        ("PATCH", one, {"title": "CFO"}),
        ("POST", f"{one}/work", None),
        ("POST", f"{one}/qualify", None),
        ("POST", f"{one}/disqualify", {"reason": "no budget"}),
        ("POST", f"{one}/score", {"score": 50}),
        ("POST", f"{one}/owner", {"owner_id": None}),
        ("POST", f"{one}/convert", {"contact_id": str(uuid4()), **DEAL}),
    ]


class TestWhoMayDoWhat:
    def test_no_token_is_401_on_every_route(self, reps: Engine) -> None:
        lead_id = capture(reps).json()["id"]
        for method, path, body in [
            *routes(lead_id),
            ("GET", f"/leads/{lead_id}", None),
        ]:
            answer = reps.client.request(method, path, json=body)
            assert answer.status_code == 401, (method, path)
        assert reps.head() == 3

    def test_read_only_roles_may_not_write_on_any_route(self, reps: Engine) -> None:
        lead_id = capture(reps).json()["id"]
        for role in ("analyst", "auditor"):
            for method, path, body in routes(lead_id):
                answer = reps.client.request(
                    method, path, json=body, headers=auth(role)
                )
                assert answer.status_code == 403, (role, method, path)
        assert reps.head() == 3

    def test_a_rep_may_not_touch_another_reps_lead(self, reps: Engine) -> None:
        lead_id = capture(reps, "other-rep", owner_id=str(OTHER_REP_ID)).json()["id"]
        for method, path, body in routes(lead_id)[1:]:
            answer = reps.client.request(method, path, json=body, headers=auth("rep"))
            assert answer.status_code == 403, (method, path)
        assert capture(reps, owner_id=str(OTHER_REP_ID)).status_code == 403
        for role in ("manager", "service", "admin"):
            assert capture(reps, role).status_code == 201
        assert reps.head() == 6


MISSES: list[Any] = ["", " ", "a@b.io", "+1 415 555 0100", "acme.com", -1, 101]
MISSES += [10**30, "NaN", "1e400", str(uuid4()), str(REP_ID), "purchased_list"]
near_misses = st.sampled_from(MISSES)
sources = st.fixed_dictionaries(
    {"kind": st.sampled_from(["purchased_list", "related_product_customer", "web"])},
    optional={
        key: json_values | near_misses
        for key in ("list_name", "cost_per_lead", "currency", "product")
    },
)
FIELDS = ["id", "given_name", "family_name", "email", "phone", "company_name"]
FIELDS += ["web_domain", "title", "score", "owner_id", "reason"]
FIELDS += ["account_id", "new_account_id", "contact_id", "create_opportunity"]
FIELDS += ["opportunity_id", "opportunity_name", "amount", "currency"]
FIELDS += ["expected_close_date"]
changes = st.dictionaries(
    st.sampled_from([*FIELDS, "source"]), json_values | near_misses | sources
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    route=st.integers(0, 7),
    change=changes,
    raw=st.none() | json_values,
    role=st.sampled_from(["rep", "admin"]),
)
def test_no_input_gives_a_500(
    sales: Engine, route: int, change: dict[str, Any], raw: Any, role: str
) -> None:
    """Valid bodies with fields changed or added, and arbitrary JSON; the lead
    is qualified, so a conversion gets past the status check."""
    lead_id = capture(sales, "admin").json()["id"]
    post(sales, f"/leads/{lead_id}/qualify", None, "admin")
    method, path, valid = routes(lead_id)[route]
    body = {**(valid or {}), **change} if raw is None else raw
    answer = sales.client.request(method, path, json=body, headers=auth(role))
    assert answer.status_code < 500, answer.text


def test_every_documented_example_is_a_valid_body(engine: Engine) -> None:
    schemas = engine.client.get("/openapi.json").json()["components"]["schemas"]
    for model in (LeadIn, LeadPatch, DisqualifyIn, ScoreIn, LeadOwnerIn, ConvertIn):
        examples = schemas[model.__name__]["examples"]
        assert examples, model.__name__
        for example in examples:
            model.model_validate(example)
