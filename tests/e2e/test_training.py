"""``/training-programmes``, ``/coaching-sessions`` and
``/reps/{id}/development`` over HTTP: a rep's development as they, their
manager and others see it, the write conventions, and who may do what."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.main import create_app
from commands import reps as rc
from commands.base import Caller, Context, execute
from infra.bootstrap import bootstrap
from infra.settings import Principal, Settings
from tests.e2e.conftest import OTHER_REP_ID, REP_ID, TOKENS, Engine, auth
from tests.strategies import json_values

COACH_ID = UUID("0a0a0a0a-0000-4000-8000-00000000000c")
ADMIN = Context(Caller("setup", frozenset({"admin"})))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Engine]:
    """Ann is in Cora's team; Bob is in none. Views follow the log."""
    coach = Principal(name="cora", roles=("manager",), rep_id=COACH_ID)
    tokens = {**TOKENS, "coach-token": coach}
    settings = Settings(sqlite_path=tmp_path / "sfa.db", api_tokens=tokens)
    container = bootstrap(settings, seed=False)
    app = container.app
    for rep_id, name in [(REP_ID, "Ann"), (OTHER_REP_ID, "Bob"), (COACH_ID, "Cora")]:
        command = rc.RegisterRep(id=rep_id, name=name, email=f"{name}@sfa.dev")
        execute(rc.register_rep, app, command, ADMIN)
    team = execute(rc.form_team, app, rc.FormTeam(name="N", manager_id=COACH_ID), ADMIN)
    member = rc.AddTeamMember(team_id=team.aggregate.id, rep_id=REP_ID)
    execute(rc.add_team_member, app, member, ADMIN)
    with TestClient(create_app(lambda: container)) as client:
        container.projections.start()
        yield Engine(client, container)
        container.projections.stop()


def call(
    e: Engine,
    method: str,
    url: str,
    body: Any = None,
    role: str = "admin",
    **headers: str,
) -> Any:
    return e.client.request(method, url, json=body, headers={**auth(role), **headers})


def ok(
    e: Engine,
    method: str,
    url: str,
    body: Any = None,
    role: str = "admin",
    **headers: str,
) -> Any:
    answer = call(e, method, url, body, role, **headers)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def opened(e: Engine) -> str:
    """A corrective action against Ann's calls, owned by Cora: its id."""
    body = {"scope": "rep", "member": str(REP_ID), "metric": "activities_completed"}
    body |= {"activity_kind": "call", "period": "2027-03", "kind": "coaching"}
    body |= {"owner_id": str(COACH_ID), "due_date": "2027-03-31"}
    return str(ok(e, "POST", "/corrective-actions", body, "coach")["id"])


COACHING = {
    "rep_id": str(REP_ID),
    "topic": "Discovery",
    "held_on": "2027-03-10",
    "notes": "private",
}


class TestDevelopment:
    def test_the_rep_and_their_manager_see_it_others_do_not(
        self, world: Engine
    ) -> None:
        pid = ok(
            world,
            "POST",
            "/training-programmes",
            {"name": "Selling", "hours": 8},
            "manager",
        )["id"]
        ok(
            world,
            "POST",
            f"/training-programmes/{pid}/completions",
            {"rep_id": str(REP_ID), "completed_on": "2027-03-04", "score": 91},
            "service",
        )
        action = opened(world)
        session = ok(
            world,
            "POST",
            "/coaching-sessions",
            {**COACHING, "corrective_action_id": action},
            "coach",
        )
        assert session["manager_id"] == str(COACH_ID)
        url = f"/reps/{REP_ID}/development?min_position={session['position']}"
        for role in ("rep", "coach", "admin"):
            found = ok(world, "GET", url, role=role)
            assert [(t["name"], t["score"]) for t in found["training"]] == [
                ("Selling", 91)
            ]
            assert [
                (c["topic"], c["corrective_action_id"]) for c in found["coaching"]
            ] == [("Discovery", action)]
        for role in ("other-rep", "manager", "analyst", "auditor", "service"):
            assert call(world, "GET", url, role=role).status_code == 403, role
        one = f"/coaching-sessions/{session['id']}"
        assert ok(world, "GET", one, role="rep")["notes"] == "private"
        assert call(world, "GET", one, role="other-rep").status_code == 403
        listed = ok(
            world,
            "GET",
            f"/training-programmes?min_position={session['position']}",
            role="rep",
        )
        assert [(p["name"], p["completions"]) for p in listed["items"]] == [
            ("Selling", 1)
        ]

    def test_a_manager_coaches_only_their_team(self, world: Engine) -> None:
        head = world.head()
        other = {**COACHING, "rep_id": str(OTHER_REP_ID)}
        assert (
            call(world, "POST", "/coaching-sessions", other, "coach").status_code == 403
        )
        assert (
            call(world, "POST", "/coaching-sessions", COACHING, "rep").status_code
            == 403
        )
        assert world.head() == head

    def test_a_second_completion_is_a_problem(self, world: Engine) -> None:
        pid = ok(world, "POST", "/training-programmes", {"name": "S"})["id"]
        body = {"rep_id": str(REP_ID), "completed_on": "2027-03-04"}
        ok(world, "POST", f"/training-programmes/{pid}/completions", body)
        again = call(world, "POST", f"/training-programmes/{pid}/completions", body)
        assert again.status_code == 422
        assert again.json()["rule"] == "already_completed"


class TestWriteConventions:
    def test_idempotency_and_if_match(self, world: Engine) -> None:
        key = {"Idempotency-Key": "c1"}
        first = ok(world, "POST", "/coaching-sessions", COACHING, "coach", **key)
        head = world.head()
        again = call(world, "POST", "/coaching-sessions", COACHING, "coach", **key)
        assert again.json() == first and world.head() == head
        action = opened(world)
        head = world.head()
        url = f"/coaching-sessions/{first['id']}/corrective-action"
        unknown = call(world, "POST", url, {"corrective_action_id": str(uuid4())})
        assert unknown.status_code == 422 and world.head() == head
        assert unknown.json()["rule"] == "unknown_corrective_action"
        body = {"corrective_action_id": action}
        stale = call(world, "POST", url, body, "coach", **{"If-Match": '"7"'})
        assert stale.status_code == 412 and world.head() == head
        linked = ok(world, "POST", url, body, "coach", **{"If-Match": '"1"'})
        assert linked["version"] == 2 and linked["position"] > head


def routes(pid: str, sid: str) -> list[tuple[str, str, Any, set[str]]]:
    trainers = {"manager", "coach", "admin"}
    return [
        ("POST", "/training-programmes", {"name": "x"}, trainers),
        ("GET", "/training-programmes", None, set()),
        ("GET", f"/training-programmes/{pid}", None, set()),
        (
            "POST",
            f"/training-programmes/{pid}/completions",
            {"rep_id": str(OTHER_REP_ID), "completed_on": "2027-01-01"},
            trainers | {"service"},
        ),
        ("POST", "/coaching-sessions", COACHING, {"coach", "admin"}),
        ("GET", f"/coaching-sessions/{sid}", None, {"rep", "coach", "admin"}),
        (
            "POST",
            f"/coaching-sessions/{sid}/corrective-action",
            {"corrective_action_id": None},
            {"coach", "admin"},
        ),
        ("GET", f"/reps/{REP_ID}/development", None, {"rep", "coach", "admin"}),
        ("POST", f"/training-programmes/{pid}/retire", None, trainers),
    ]


ROLES = [
    "rep",
    "other-rep",
    "manager",
    "coach",
    "analyst",
    "auditor",
    "service",
    "admin",
]


class TestWhoMayDoWhat:
    def test_every_route_needs_a_token(self, world: Engine) -> None:
        for method, url, body, _ in routes(str(uuid4()), str(uuid4())):
            assert world.client.request(method, url, json=body).status_code == 401, url

    @pytest.mark.parametrize("role", ROLES)
    def test_roles_outside_a_route_are_refused(self, world: Engine, role: str) -> None:
        pid = ok(world, "POST", "/training-programmes", {"name": "S"})["id"]
        sid = ok(world, "POST", "/coaching-sessions", COACHING, "coach")["id"]
        for method, url, body, allowed in routes(pid, sid):
            answer = call(world, method, url, body, role)
            if not allowed or role in allowed:  # empty: every reader
                assert answer.status_code not in (401, 403, 500), (method, url)
            else:
                assert answer.status_code == 403, (method, url, role)


FIELDS = [
    "name",
    "hours",
    "description",
    "rep_id",
    "completed_on",
    "score",
    "topic",
    "held_on",
    "manager_id",
    "notes",
    "corrective_action_id",
    "id",
]


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    route=st.integers(0, 8),
    body=st.none()
    | json_values
    | st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5),
)
def test_no_body_makes_a_500(world: Engine, route: int, body: Any) -> None:
    """Whatever a client sends to a training route, the answer is not a 500;
    a 4xx is a problem document."""
    method, url, _, _ = routes(str(uuid4()), str(uuid4()))[route]
    answer = call(world, method, url, body)
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert answer.headers["content-type"].startswith("application/problem+json")
