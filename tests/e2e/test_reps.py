"""``/reps`` and ``/teams`` over HTTP: only admins write, every token reads;
membership stays consistent on both records; no 500 for any body."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import OTHER_REP_ID, REP_ID, Engine, auth
from tests.e2e.test_accounts import ROLES, bodies
from tests.unit.helpers import event_names

ANN = {"id": str(REP_ID), "name": "Ann", "email": "Ann@Example.COM"}
BOB = {"id": str(OTHER_REP_ID), "name": "Bob", "email": "bob@example.com"}
NOT_ADMIN = ("rep", "manager", "analyst", "auditor", "service")


def admin_post(engine: Engine, path: str, body: Any) -> Any:
    return engine.client.post(path, json=body, headers=auth("admin"))


def read(engine: Engine, path: str) -> dict[str, Any]:
    answer = engine.client.get(path, headers=auth("rep"))
    assert answer.status_code == 200
    return dict(answer.json())


@pytest.fixture
def team(engine: Engine) -> dict[str, Any]:
    """Ann manages the team; Bob is a rep on his own."""
    for body in (ANN, BOB):
        assert admin_post(engine, "/reps", body).status_code == 201
    answer = admin_post(engine, "/teams", {"name": "North", "manager_id": str(REP_ID)})
    assert answer.status_code == 201
    return dict(answer.json())


def write_routes(team_id: str, rep_id: str) -> list[tuple[str, str, Any]]:
    return [
        ("POST", "/reps", {"name": "Cid", "email": "cid@example.com"}),
        ("PATCH", f"/reps/{rep_id}", {"territory": "south"}),
        ("POST", f"/reps/{rep_id}/deactivate", {}),
        ("POST", f"/reps/{rep_id}/reactivate", None),
        ("POST", "/teams", {"name": "South"}),
        ("PATCH", f"/teams/{team_id}", {"name": "N"}),
        ("POST", f"/teams/{team_id}/members", {"rep_id": rep_id}),
        ("DELETE", f"/teams/{team_id}/members/{rep_id}", None),
    ]


class TestReps:
    def test_register_change_deactivate_reactivate(self, engine: Engine) -> None:
        answer = admin_post(engine, "/reps", {**ANN, "territory": "north"})
        assert answer.status_code == 201
        assert answer.json()["email"] == "ann@example.com"
        url = f"/reps/{REP_ID}"
        patch = engine.client.patch(
            url, json={"territory": None}, headers={**auth("admin"), "If-Match": "1"}
        )
        assert patch.status_code == 200 and patch.json()["territory"] is None
        admin_post(engine, f"{url}/deactivate", {"reason": "left"})
        assert read(engine, url)["active"] is False
        assert admin_post(engine, f"{url}/reactivate", None).status_code == 200
        assert event_names(engine.container.app, REP_ID) == [
            "Registered",
            "TerritoryChanged",
            "Deactivated",
            "Reactivated",
        ]
        assert read(engine, url)["version"] == 4

    def test_manager_must_be_an_active_rep_and_not_themselves(
        self, engine: Engine
    ) -> None:
        answer = admin_post(engine, "/reps", {**BOB, "manager_id": str(uuid4())})
        assert answer.json()["rule"] == "manager_must_be_active_rep"
        admin_post(engine, "/reps", ANN)
        before = engine.head()
        answer = engine.client.patch(
            f"/reps/{REP_ID}", json={"manager_id": str(REP_ID)}, headers=auth("admin")
        )
        assert answer.status_code == 422
        assert answer.json()["rule"] == "rep_cannot_manage_self"
        assert engine.head() == before


class TestTeams:
    def test_membership_is_kept_on_both_records(
        self, engine: Engine, team: dict[str, Any]
    ) -> None:
        members = f"/teams/{team['id']}/members"
        answer = admin_post(engine, members, {"rep_id": str(OTHER_REP_ID)})
        assert answer.status_code == 200
        assert answer.json()["member_ids"] == [str(OTHER_REP_ID)]
        assert read(engine, f"/reps/{OTHER_REP_ID}")["team_id"] == team["id"]
        assert read(engine, f"/reps/{REP_ID}")["managed_team_ids"] == [team["id"]]
        other = admin_post(engine, "/teams", {"name": "South"}).json()
        admin_post(
            engine, f"/teams/{other['id']}/members", {"rep_id": str(OTHER_REP_ID)}
        )
        assert read(engine, f"/teams/{team['id']}")["member_ids"] == []
        assert read(engine, f"/reps/{OTHER_REP_ID}")["team_id"] == other["id"]
        gone = engine.client.delete(
            f"/teams/{other['id']}/members/{OTHER_REP_ID}", headers=auth("admin")
        )
        assert gone.status_code == 200 and gone.json()["member_ids"] == []
        assert read(engine, f"/reps/{OTHER_REP_ID}")["team_id"] is None

    def test_handing_the_team_over(self, engine: Engine, team: dict[str, Any]) -> None:
        answer = engine.client.patch(
            f"/teams/{team['id']}",
            json={"manager_id": str(OTHER_REP_ID)},
            headers={**auth("admin"), "If-Match": '"1"'},
        )
        assert answer.status_code == 200
        assert read(engine, f"/reps/{REP_ID}")["managed_team_ids"] == []
        assert read(engine, f"/reps/{OTHER_REP_ID}")["managed_team_ids"] == [team["id"]]

    def test_inactive_reps_do_not_join(
        self, engine: Engine, team: dict[str, Any]
    ) -> None:
        admin_post(engine, f"/reps/{OTHER_REP_ID}/deactivate", {})
        before = engine.head()
        answer = admin_post(
            engine, f"/teams/{team['id']}/members", {"rep_id": str(OTHER_REP_ID)}
        )
        assert answer.status_code == 422
        assert answer.json()["rule"] == "member_must_be_active_rep"
        assert engine.head() == before


class TestBadInput:
    @pytest.mark.parametrize(
        ("method", "path", "body", "status"),
        [
            ("POST", "/reps", {"name": "x", "email": "not-an-email"}, 422),
            ("POST", "/reps", {"name": "x", "email": "x@y.io", "team_id": None}, 422),
            ("PATCH", "/reps/{rep}", {"active": False}, 422),
            ("PATCH", "/reps/{missing}", {"name": "x"}, 404),
            ("POST", "/teams", {"name": "x", "manager_id": "{missing}"}, 422),
            ("POST", "/teams", {"name": ""}, 422),
            ("PATCH", "/teams/{team}", {"member_ids": []}, 422),
            ("POST", "/teams/{team}/members", {"rep_id": "{missing}"}, 422),
            ("POST", "/teams/{team}/members", {}, 422),
            ("POST", "/teams/{missing}/members", {"rep_id": "{rep}"}, 404),
            ("DELETE", "/teams/{team}/members/nobody", None, 422),
            ("GET", "/teams/{rep}", None, 404),
            ("GET", "/reps/{team}", None, 404),
        ],
    )
    def test_is_refused_and_records_nothing(
        self,
        engine: Engine,
        team: dict[str, Any],
        method: str,
        path: str,
        body: Any,
        status: int,
    ) -> None:
        ids = {"rep": str(OTHER_REP_ID), "team": team["id"], "missing": str(uuid4())}
        path = path.format(**ids)
        if isinstance(body, dict):
            body = {
                k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()
            }
        before = engine.head()
        answer = engine.client.request(method, path, json=body, headers=auth("admin"))
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert engine.head() == before

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        route=st.integers(0, 7),
        body=bodies("name", "email", "manager_id", "territory", "reason")
        | bodies("id", "name", "manager_id", "rep_id"),
    )
    def test_no_body_gets_a_500(
        self, engine: Engine, team: dict[str, Any], route: int, body: Any
    ) -> None:
        method, path, _ = write_routes(team["id"], str(OTHER_REP_ID))[route]
        answer = engine.client.request(method, path, json=body, headers=auth("admin"))
        assert answer.status_code < 500, answer.text


class TestWhoMayDoWhat:
    def test_no_token_is_401(self, engine: Engine) -> None:
        team_id, rep_id = str(uuid4()), str(uuid4())
        routes = [
            *write_routes(team_id, rep_id),
            ("GET", f"/reps/{rep_id}", None),
            ("GET", f"/teams/{team_id}", None),
        ]
        for method, path, body in routes:
            answer = engine.client.request(method, path, json=body)
            assert answer.status_code == 401, (method, path)

    @pytest.mark.parametrize("role", NOT_ADMIN)
    def test_only_admins_write(
        self, engine: Engine, team: dict[str, Any], role: str
    ) -> None:
        before = engine.head()
        for method, path, body in write_routes(team["id"], str(OTHER_REP_ID)):
            answer = engine.client.request(method, path, json=body, headers=auth(role))
            assert answer.status_code == 403, (method, path)
        assert engine.head() == before

    def test_admins_write_every_route(
        self, engine: Engine, team: dict[str, Any]
    ) -> None:
        for method, path, body in write_routes(team["id"], str(OTHER_REP_ID)):
            answer = engine.client.request(
                method, path, json=body, headers=auth("admin")
            )
            assert answer.status_code in (200, 201), (method, path, answer.text)
        assert UUID(read(engine, f"/teams/{team['id']}")["id"]) == UUID(team["id"])

    def test_everyone_with_a_token_reads(
        self, engine: Engine, team: dict[str, Any]
    ) -> None:
        for role in ROLES:
            for path in (f"/reps/{REP_ID}", f"/teams/{team['id']}"):
                answer = engine.client.get(path, headers=auth(role))
                assert answer.status_code == 200, (role, path)
