"""Territories through HTTP: writes with the DESIGN.md conventions, accounts
placed on open, the realignment previewed then applied, the view and the
assignment history; who may do what; no input gives a 500."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import REP_ID, Engine, auth
from tests.strategies import json_values

GERMANY = {"name": "germany", "country": "DE"}


def call(
    engine: Engine, method: str, url: str, body: Any = None, role: str = "manager"
) -> Any:
    return engine.client.request(method, url, json=body, headers=auth(role))


def create(engine: Engine, name: str, **body: Any) -> dict[str, Any]:
    answer = call(engine, "POST", "/territories", {"name": name, **body})
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


class TestTerritoryWrites:
    def test_create_repeat_and_conventions(self, reps: Engine) -> None:
        body = {"id": str(uuid4()), "name": "EMEA", "rules": [GERMANY]}
        key = {**auth("manager"), "Idempotency-Key": "t-1"}
        first = reps.client.post("/territories", json=body, headers=key)
        assert first.status_code == 201 and first.headers["ETag"] == '"1"'
        again = reps.client.post("/territories", json=body, headers=key)
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        other = reps.client.post("/territories", json={"name": "X"}, headers=key)
        assert other.status_code == 422
        url = f"/territories/{body['id']}"
        stale = reps.client.patch(
            url, json={"name": "E"}, headers={**auth("admin"), "If-Match": "9"}
        )
        assert stale.status_code == 412
        renamed = call(reps, "PATCH", url, {"name": "Europe"})
        assert (renamed.json()["name"], renamed.json()["version"]) == ("Europe", 2)
        assert renamed.json()["position"] == reps.head()

    def test_cycles_and_taken_names_are_problems(self, reps: Engine) -> None:
        emea = create(reps, "EMEA")
        dach = create(reps, "DACH", parent_id=emea["id"])
        cycle = call(
            reps, "PATCH", f"/territories/{emea['id']}", {"parent_id": dach["id"]}
        )
        assert cycle.status_code == 422
        assert cycle.headers["content-type"] == "application/problem+json"
        assert "descendant" in cycle.json()["detail"]
        taken = call(reps, "POST", "/territories", {"name": "dach"})
        assert taken.status_code == 422

    def test_reps_and_manual_accounts(self, reps: Engine) -> None:
        emea = create(reps, "EMEA", rules=[GERMANY])
        url = f"/territories/{emea['id']}"
        owner = {"rep_id": str(REP_ID), "role": "owner"}
        assert call(reps, "POST", f"{url}/reps", owner).status_code == 200
        account = call(reps, "POST", "/accounts", {"name": "Acme"}, "rep").json()
        held = call(reps, "POST", f"{url}/accounts", {"account_id": account["id"]})
        assert held.json()["accounts"] == [account["id"]]
        placed = call(reps, "GET", f"/accounts/{account['id']}").json()
        assert placed["territory"] == "EMEA"
        missing = call(reps, "POST", f"{url}/accounts", {"account_id": str(uuid4())})
        assert missing.status_code == 422


class TestPlacingAndRealigning:
    def test_open_places_then_realign_previews_and_applies(
        self, running: Engine
    ) -> None:
        emea = create(running, "EMEA", rules=[GERMANY])
        body = {"name": "Acme", "country": "de", "postcode": "10115", "employees": 40}
        acme = call(running, "POST", "/accounts", body, "rep").json()
        assert (acme["territory"], acme["country"]) == ("EMEA", "DE")
        rules = {"rules": [{"name": "france", "country": "FR"}]}
        call(running, "PUT", f"/territories/{emea['id']}/rules", rules)
        preview = call(running, "POST", "/territories/realign", {"apply": False})
        assert preview.status_code == 200, preview.text
        plan = preview.json()
        assert [(m["account_id"], m["to_territory"]) for m in plan["moves"]] == [
            (acme["id"], None)
        ]
        head = running.head()
        assert plan["position"] == head  # a preview records nothing
        stale = running.client.post(
            "/territories/realign",
            json={"apply": True},
            headers={**auth("manager"), "If-Match": '"0000"'},
        )
        assert stale.status_code == 412 and running.head() == head
        applied = running.client.post(
            "/territories/realign",
            json={"apply": True},
            headers={**auth("manager"), "If-Match": preview.headers["ETag"]},
        ).json()
        assert applied["applied"] and applied["position"] > head
        again = call(running, "POST", "/territories/realign", {"apply": True}).json()
        assert again["moves"] == []
        history = call(
            running,
            "GET",
            f"/territory-assignments?account_id={acme['id']}"
            f"&min_position={applied['position']}",
        ).json()["items"]
        assert [(p["territory"], p["rule"]) for p in history] == [("EMEA", "germany")]
        assert history[0]["effective_to"] is not None
        paged = call(running, "GET", "/territory-assignments?limit=1").json()
        assert paged["next_cursor"] is None  # one period only
        listed = call(running, "GET", "/territories?search=emea", role="analyst")
        assert [t["rules"] for t in listed.json()["items"]] == [1]


def routes(territory: str) -> list[tuple[str, str, Any]]:
    t = f"/territories/{territory}"
    return [
        ("POST", "/territories", {"name": "N"}),
        ("GET", t, None),
        ("PATCH", t, {"name": "M"}),
        ("PUT", f"{t}/rules", {"rules": [GERMANY]}),
        ("POST", f"{t}/accounts", {"account_id": str(uuid4())}),
        ("DELETE", f"{t}/accounts/{uuid4()}", None),
        ("POST", f"{t}/reps", {"rep_id": str(REP_ID), "role": "overlay"}),
        ("DELETE", f"{t}/reps/{REP_ID}", None),
        ("POST", "/territories/realign", {"apply": True}),
        ("GET", "/territories", None),
        ("GET", f"{t}/accounts", None),
        ("GET", "/territory-assignments", None),
    ]


class TestWhoMayDoWhat:
    def test_every_route_needs_a_token(self, reps: Engine) -> None:
        for method, url, body in routes(str(uuid4())):
            answer = reps.client.request(method, url, json=body)
            assert answer.status_code == 401, (method, url)

    @pytest.mark.parametrize("role", ["rep", "analyst", "auditor"])
    def test_only_managers_admins_services_write(self, reps: Engine, role: str) -> None:
        territory = create(reps, "T")["id"]
        head = reps.head()
        for method, url, body in routes(territory):
            answer = call(reps, method, url, body, role)
            if method == "GET":
                assert answer.status_code in (200, 503), (url, answer.text)
            else:
                assert answer.status_code == 403, (method, url, answer.text)
        assert reps.head() == head


FIELDS = ["name", "parent_id", "rules", "account_id", "rep_id", "role", "apply"]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    route=st.integers(0, 8),
    body=st.none()
    | st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4)
    | json_values,
)
def test_no_input_gives_a_500(reps: Engine, route: int, body: Any) -> None:
    method, url, _ = routes(str(uuid4()))[route]
    if url == "/territories/realign":
        return  # waits for the view, which does not run here
    answer = call(reps, method, url, body, "admin")
    assert answer.status_code < 500, answer.text
