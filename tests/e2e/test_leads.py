"""``/leads`` over HTTP: capture, details, work, qualify, disqualify, score,
owner, and the write conventions of DESIGN.md on each."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.schemas.leads import DisqualifyIn, LeadIn, LeadOwnerIn, LeadPatch, ScoreIn
from commands.reps import RegisterRep, register_rep
from tests.e2e.conftest import OTHER_REP_ID, REP_ID, Engine, auth
from tests.unit.helpers import event_names, events_of, run

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


@pytest.fixture
def reps(engine: Engine) -> Engine:
    """The reps behind the rep tokens exist (owners must be active reps)."""
    for rep_id in (REP_ID, OTHER_REP_ID):
        command = RegisterRep(id=rep_id, name="Rep", email=f"{rep_id.hex[-4:]}@x.io")
        run(engine.container.app, register_rep, command)
    return engine


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


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
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
changes = st.dictionaries(
    st.sampled_from([*FIELDS, "source"]), json_values | near_misses | sources
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    route=st.integers(0, 6),
    change=changes,
    raw=st.none() | json_values,
    role=st.sampled_from(["rep", "admin"]),
)
def test_no_input_gives_a_500(
    reps: Engine, route: int, change: dict[str, Any], raw: Any, role: str
) -> None:
    """Valid bodies with fields changed or added, and arbitrary JSON."""
    lead_id = capture(reps, "admin").json()["id"]
    method, path, valid = routes(lead_id)[route]
    body = {**(valid or {}), **change} if raw is None else raw
    answer = reps.client.request(method, path, json=body, headers=auth(role))
    assert answer.status_code < 500, answer.text


def test_every_documented_example_is_a_valid_body(engine: Engine) -> None:
    schemas = engine.client.get("/openapi.json").json()["components"]["schemas"]
    for model in (LeadIn, LeadPatch, DisqualifyIn, ScoreIn, LeadOwnerIn):
        examples = schemas[model.__name__]["examples"]
        assert examples, model.__name__
        for example in examples:
            model.model_validate(example)
