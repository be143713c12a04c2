"""``/hiring-plans``, ``/candidates`` and ``/recruiting/funnel`` over HTTP:
a hiring round from plan to onboarding, the write conventions, the funnel
read, and who may do what."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.personal import ERASED
from infra.settings import Settings
from tests.e2e.conftest import REP_ID, TOKENS, Engine, auth
from tests.e2e.test_forget import caught_up, found, started
from tests.strategies import json_values

QUALS = [{"key": "b2b_sales", "name": "B2B sales", "min_score": 3}]
POSITION = {
    "key": "ae_north",
    "title": "Account executive",
    "job_description": "Sells vans.",
    "qualifications": QUALS,
}
PLAN = {"name": "2027 H1", "currency": "EUR", "positions": [POSITION]}


def call(
    engine: Engine,
    method: str,
    url: str,
    body: Any = None,
    role: str = "manager",
    **headers: str,
) -> Any:
    return engine.client.request(
        method, url, json=body, headers={**auth(role), **headers}
    )


def ok(engine: Engine, method: str, url: str, body: Any = None, **h: str) -> Any:
    answer = call(engine, method, url, body, **h)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def apply(
    engine: Engine, plan_id: str, source: str = "referral", cost: str = "0"
) -> str:
    body = {
        "plan_id": plan_id,
        "position_key": "ae_north",
        "name": "Kim Lee",
        "email": "Kim@Example.com",
        "source": source,
        "cost": cost,
    }
    return str(ok(engine, "POST", "/candidates", body)["id"])


class TestHiringRound:
    def test_plan_to_onboarding_and_the_funnel(self, running: Engine) -> None:
        plan = ok(running, "POST", "/hiring-plans", PLAN)
        assert plan["status"] == "open" and plan["positions"][0]["headcount"] == 1
        pid = plan["id"]
        ok(
            running,
            "POST",
            f"/hiring-plans/{pid}/spend",
            {"source": "job_board", "amount": "90.50", "currency": "EUR"},
        )
        kim = apply(running, pid, "referral", "200")
        apply(running, pid, "job_board")
        url = f"/candidates/{kim}"
        for stage in ("recruiting", "selection", "hiring"):
            ok(running, "POST", url + "/stage", {"stage": stage})
        ok(
            running,
            "POST",
            url + "/assessments",
            {"qualification": "b2b_sales", "score": 4},
        )
        ok(
            running,
            "POST",
            url + "/offer",
            {"terms": "48k", "start_date": "2027-02-01"},
        )
        ok(running, "POST", url + "/offer/accept")
        ok(running, "POST", url + "/stage", {"stage": "assimilation"})
        done = ok(
            running,
            "POST",
            url + "/assimilation",
            {
                "mentor_id": str(REP_ID),
                "checklist": ["laptop"],
                "completed": ["laptop"],
            },
        )
        assert (done["status"], done["mentor_id"], done["checklist"]) == (
            "hired",
            str(REP_ID),
            {"laptop": True},
        )
        assert done["email"] == "kim@example.com"
        funnel = ok(
            running,
            "GET",
            f"/recruiting/funnel?plan_id={pid}&min_position={done['position']}",
        )
        rows = {r["source"]: r for r in funnel["sources"]}
        assert rows["referral"]["stages"] == {
            "planning": 1,
            "recruiting": 1,
            "selection": 1,
            "hiring": 1,
            "assimilation": 1,
        }
        assert (rows["referral"]["hires"], rows["referral"]["cost_per_hire"]) == (
            1,
            "200.00",
        )
        assert (rows["job_board"]["cost"], rows["job_board"]["cost_per_hire"]) == (
            "90.50",
            None,
        )
        listed = ok(
            running, "GET", f"/candidates?status=hired&min_position={done['position']}"
        )
        assert [c["id"] for c in listed["items"]] == [kim]
        assert "name" not in listed["items"][0]

    def test_an_offer_before_the_qualifications_are_met_is_a_problem(
        self, reps: Engine
    ) -> None:
        kim = apply(reps, ok(reps, "POST", "/hiring-plans", PLAN)["id"])
        head = reps.head()
        answer = call(reps, "POST", f"/candidates/{kim}/offer", {"terms": "48k"})
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "b2b_sales" in answer.json()["detail"]
        assert reps.head() == head


class TestWriteConventions:
    def test_idempotency_key_replays_and_refuses_another_body(
        self, reps: Engine
    ) -> None:
        first = call(reps, "POST", "/hiring-plans", PLAN, **{"Idempotency-Key": "k1"})
        head = reps.head()
        again = call(reps, "POST", "/hiring-plans", PLAN, **{"Idempotency-Key": "k1"})
        assert again.json() == first.json() and reps.head() == head
        other = call(
            reps,
            "POST",
            "/hiring-plans",
            {**PLAN, "name": "x"},
            **{"Idempotency-Key": "k1"},
        )
        assert other.status_code == 422 and reps.head() == head

    def test_a_stale_if_match_is_412(self, reps: Engine) -> None:
        kim = apply(reps, ok(reps, "POST", "/hiring-plans", PLAN)["id"])
        got = call(reps, "GET", f"/candidates/{kim}")
        assert got.headers["ETag"] == '"1"'
        ok(
            reps,
            "POST",
            f"/candidates/{kim}/stage",
            {"stage": "recruiting"},
            **{"If-Match": '"1"'},
        )
        stale = call(
            reps,
            "POST",
            f"/candidates/{kim}/stage",
            {"stage": "selection"},
            **{"If-Match": '"1"'},
        )
        assert stale.status_code == 412

    def test_a_client_chosen_id_twice_creates_nothing_new(self, reps: Engine) -> None:
        body = {**PLAN, "id": str(uuid4())}
        assert call(reps, "POST", "/hiring-plans", body).status_code == 201
        head = reps.head()
        assert call(reps, "POST", "/hiring-plans", body).status_code == 200
        assert reps.head() == head


def test_forgetting_a_candidate_leaves_no_trace_of_them(tmp_path: Path) -> None:
    settings = Settings(sqlite_path=tmp_path / "sfa.db", api_tokens=TOKENS)
    for engine in started(settings):
        plan_id = ok(engine, "POST", "/hiring-plans", PLAN)["id"]
        body = {
            "plan_id": plan_id,
            "position_key": "ae_north",
            "name": "Zyxnor Blept",
            "email": "zyxnor@bleptmail.example",
            "source": "fair",
        }
        kim = ok(engine, "POST", "/candidates", body)["id"]
        url = f"/candidates/{kim}"
        ok(
            engine,
            "POST",
            url + "/assessments",
            {"qualification": "b2b_sales", "score": 2, "note": "Zyxnor stammered"},
        )
        ok(engine, "POST", url + "/reject", {"reason": "Blept was late"})
        caught_up(engine)
        secrets = ("zyxnor", "blept")
        # encrypted in the store, never copied into a view: readable only
        # through the candidate's key
        assert found(engine.container, secrets) == {}
        assert ok(engine, "GET", url)["name"] == "Zyxnor Blept"
        refused = call(engine, "POST", url + "/forget")
        assert refused.status_code == 403
        forgotten = ok(engine, "POST", url + "/forget", role="admin")
        assert (forgotten["name"], forgotten["email"]) == (ERASED, ERASED)
        assert (forgotten["forgotten"], forgotten["status"]) == (True, "rejected")
        assert ok(engine, "GET", url)["name"] == ERASED  # the key is gone
        events: list[Any] = list(engine.container.app.events.get(UUID(kim)))
        assert [type(e).__name__ for e in events] == [
            "Applied",
            "Assessed",
            "Rejected",
            "Forgotten",
        ]
        assert (events[1].note, events[1].score, events[2].reason) == (
            ERASED,
            2,
            ERASED,
        )
        again = call(engine, "POST", url + "/stage", {"stage": "selection"})
        assert (again.status_code, again.json()["rule"]) == (422, "candidate_forgotten")


def routes(plan_id: str, kim: str) -> list[tuple[str, str, Any, set[str]]]:
    recruiters = {"manager", "admin"}
    one = f"/candidates/{kim}"
    return [
        ("POST", "/hiring-plans", PLAN, recruiters),
        ("GET", f"/hiring-plans/{plan_id}", None, recruiters),
        (
            "POST",
            f"/hiring-plans/{plan_id}/positions",
            {**POSITION, "key": "x2"},
            recruiters,
        ),
        (
            "POST",
            f"/hiring-plans/{plan_id}/spend",
            {"source": "fair", "amount": "1", "currency": "EUR"},
            recruiters,
        ),
        ("GET", "/recruiting/funnel", None, recruiters | {"analyst"}),
        (
            "POST",
            "/candidates",
            {
                "plan_id": plan_id,
                "position_key": "ae_north",
                "name": "A",
                "source": "s",
            },
            recruiters,
        ),
        ("GET", "/candidates", None, recruiters),
        ("GET", one, None, recruiters),
        ("POST", one + "/stage", {"stage": "recruiting"}, recruiters),
        (
            "POST",
            one + "/assessments",
            {"qualification": "b2b_sales", "score": 1},
            recruiters,
        ),
        ("POST", one + "/offer", {"terms": "t"}, recruiters),
        ("POST", one + "/offer/accept", None, recruiters),
        ("POST", one + "/offer/decline", {}, recruiters),
        ("POST", one + "/assimilation", {}, recruiters),
        ("POST", one + "/reject", {}, recruiters),
        ("POST", f"/hiring-plans/{plan_id}/close", None, recruiters),
        ("POST", one + "/forget", None, {"admin"}),
    ]


@pytest.fixture
def round_(reps: Engine) -> tuple[Engine, str, str]:
    plan_id = ok(reps, "POST", "/hiring-plans", PLAN)["id"]
    return reps, plan_id, apply(reps, plan_id)


class TestWhoMayDoWhat:
    def test_every_route_needs_a_token(self, round_: tuple[Engine, str, str]) -> None:
        engine, plan_id, kim = round_
        for method, url, body, _ in routes(plan_id, kim):
            answer = engine.client.request(method, url, json=body)
            assert answer.status_code == 401, (method, url)

    @pytest.mark.parametrize("role", ["rep", "analyst", "auditor", "service", "admin"])
    def test_roles_outside_a_route_are_refused(
        self, round_: tuple[Engine, str, str], role: str
    ) -> None:
        engine, plan_id, kim = round_
        for method, url, body, allowed in routes(plan_id, kim):
            answer = call(engine, method, url, body, role)
            if role in allowed:
                assert answer.status_code not in (401, 403, 500), (method, url)
            else:
                assert answer.status_code == 403, (method, url)


FIELDS = [
    "name",
    "currency",
    "positions",
    "source",
    "amount",
    "plan_id",
    "position_key",
    "stage",
    "qualification",
    "score",
    "terms",
    "start_date",
    "mentor_id",
    "checklist",
    "completed",
    "cost",
    "key",
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    route=st.integers(0, 15),
    body=st.none()
    | json_values
    | st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5),
)
def test_no_body_makes_a_500(
    round_: tuple[Engine, str, str], route: int, body: Any
) -> None:
    """Whatever a client sends to a recruiting route, the answer is not a 500;
    a 4xx is a problem document."""
    engine, plan_id, kim = round_
    method, url, _, _ = routes(plan_id, kim)[route]
    answer = call(engine, method, url, body)
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert answer.headers["content-type"].startswith("application/problem+json")
