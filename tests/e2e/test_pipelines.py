"""``/pipelines`` over HTTP: admins write, every role reads."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from commands.pipelines import ensure_default_pipeline
from domain.pipeline import DEFAULT_PIPELINE_ID
from tests.e2e.conftest import Engine, auth
from tests.unit.helpers import event_names, events_of

RENEWALS = {
    "name": "Renewals",
    "stages": [
        {
            "key": "due",
            "name": "Due",
            "probability": 40,
            "forecast_category": "pipeline",
        },
        {
            "key": "quoted",
            "name": "Quoted",
            "probability": 70,
            "forecast_category": "commit",
        },
    ],
}
NEW_STAGE = {"key": "signed", "name": "Signed", "probability": 95}


@pytest.fixture
def pipeline_id(engine: Engine) -> str:
    answer = engine.client.post("/pipelines", json=RENEWALS, headers=auth("admin"))
    assert answer.status_code == 201
    return str(answer.json()["id"])


def writes(pipeline_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every write route, with a valid body."""
    one = f"/pipelines/{pipeline_id}"
    return [
        ("POST", "/pipelines", RENEWALS),
        ("PATCH", one, {"name": "Renamed"}),
        ("POST", f"{one}/stages", {**NEW_STAGE, "forecast_category": "commit"}),
        ("PATCH", f"{one}/stages/due", {"probability": 45}),
        ("POST", f"{one}/stages/order", {"keys": ["signed", "due", "quoted"]}),
        ("DELETE", f"{one}/stages/due", None),
    ]


class TestCreatePipeline:
    def test_created_and_read_back(self, engine: Engine, pipeline_id: str) -> None:
        read = engine.client.get(f"/pipelines/{pipeline_id}", headers=auth("rep"))
        assert read.status_code == 200 and read.headers["etag"] == '"1"'
        body = read.json()
        assert [s["key"] for s in body["stages"]] == ["due", "quoted"]
        assert body["stages"][1]["forecast_category"] == "commit"

    def test_repeated_keys_are_a_rule_broken(self, engine: Engine) -> None:
        before = engine.head()
        stages = [RENEWALS["stages"][0]] * 2
        answer = engine.client.post(
            "/pipelines", json={"name": "X", "stages": stages}, headers=auth("admin")
        )
        assert answer.status_code == 422
        assert answer.json()["rule"] == "stage_key_unique"
        assert engine.head() == before

    @pytest.mark.parametrize(
        "body",
        [
            {"name": "X", "stages": []},
            {"name": "X"},
            {**RENEWALS, "stages": [{**NEW_STAGE, "forecast_category": "maybe"}]},
            {**RENEWALS, "stages": [{**NEW_STAGE, "key": "Bad Key"}]},
            {**RENEWALS, "stages": [{**NEW_STAGE, "probability": -1}]},
            {**RENEWALS, "id": "not-a-uuid"},
            {**RENEWALS, "extra": 1},
        ],
    )
    def test_invalid_bodies_record_nothing(
        self, engine: Engine, body: dict[str, Any]
    ) -> None:
        before = engine.head()
        answer = engine.client.post("/pipelines", json=body, headers=auth("admin"))
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        assert engine.head() == before


class TestDefaultPipeline:
    def test_exists_once_started_and_is_readable(self, engine: Engine) -> None:
        ensure_default_pipeline(engine.container.app)
        ensure_default_pipeline(engine.container.app)
        read = engine.client.get("/pipelines/default", headers=auth("analyst"))
        assert read.status_code == 200
        assert read.json()["id"] == str(DEFAULT_PIPELINE_ID)
        assert [s["key"] for s in read.json()["stages"]] == [
            "prospecting",
            "qualification",
            "proposal",
            "negotiation",
        ]
        assert event_names(engine.container.app, DEFAULT_PIPELINE_ID) == ["Created"]


class TestChangeStages:
    def test_each_route_records_its_event(
        self, engine: Engine, pipeline_id: str
    ) -> None:
        version = 1
        for method, url, body in writes(pipeline_id)[1:]:
            answer = engine.client.request(
                method,
                url,
                json=body,
                headers={**auth("admin"), "If-Match": f'"{version}"'},
            )
            assert answer.status_code == 200, answer.json()
            version = answer.json()["version"]
            assert answer.json()["position"] == engine.head()
        assert event_names(engine.container.app, UUID(pipeline_id)) == [
            "Created",
            "Renamed",
            "StageAdded",
            "StageProbabilityChanged",
            "StagesReordered",
            "StageRemoved",
        ]
        final = engine.client.get(f"/pipelines/{pipeline_id}", headers=auth("rep"))
        assert [s["key"] for s in final.json()["stages"]] == ["signed", "quoted"]

    def test_stale_if_match_is_412(self, engine: Engine, pipeline_id: str) -> None:
        before = engine.head()
        answer = engine.client.patch(
            f"/pipelines/{pipeline_id}",
            json={"name": "Late"},
            headers={**auth("admin"), "If-Match": '"7"'},
        )
        assert answer.status_code == 412 and engine.head() == before

    @pytest.mark.parametrize(
        ("method", "path", "body", "status"),
        [
            ("PATCH", "/stages/nope", {"name": "N"}, 422),
            ("PATCH", "/stages/Bad-Key", {"name": "N"}, 422),
            ("DELETE", "/stages/nope", None, 422),
            ("POST", "/stages", {**NEW_STAGE, "key": "due"}, 422),
            ("POST", "/stages/order", {"keys": ["due"]}, 422),
            ("POST", "/stages/order", {"keys": []}, 422),
            ("PATCH", "", {"name": ""}, 422),
            ("PATCH", "/stages/due", {"probability": 250}, 422),
        ],
    )
    def test_refused_changes_record_nothing(
        self,
        engine: Engine,
        pipeline_id: str,
        method: str,
        path: str,
        body: Any,
        status: int,
    ) -> None:
        before = engine.head()
        answer = engine.client.request(
            method, f"/pipelines/{pipeline_id}{path}", json=body, headers=auth("admin")
        )
        assert answer.status_code == status
        assert engine.head() == before

    def test_unknown_pipeline_is_404(self, engine: Engine) -> None:
        for method, url, body in writes(str(uuid4()))[1:]:
            answer = engine.client.request(
                method, url, json=body, headers=auth("admin")
            )
            assert answer.status_code == 404
        assert (
            engine.client.get(f"/pipelines/{uuid4()}", headers=auth("rep")).status_code
            == 404
        )


class TestWhoMayDoWhat:
    def test_no_token_is_401(self, engine: Engine, pipeline_id: str) -> None:
        for method, url, body in writes(pipeline_id):
            assert engine.client.request(method, url, json=body).status_code == 401
        assert engine.client.get(f"/pipelines/{pipeline_id}").status_code == 401

    @pytest.mark.parametrize(
        "role", ["rep", "manager", "analyst", "auditor", "service"]
    )
    def test_only_admins_write(
        self, engine: Engine, pipeline_id: str, role: str
    ) -> None:
        before = engine.head()
        for method, url, body in writes(pipeline_id):
            answer = engine.client.request(method, url, json=body, headers=auth(role))
            assert answer.status_code == 403, (method, url)
        assert (
            engine.client.get(
                f"/pipelines/{pipeline_id}", headers=auth(role)
            ).status_code
            == 200
        )
        assert engine.head() == before

    def test_events_name_the_admin(self, engine: Engine, pipeline_id: str) -> None:
        (event,) = events_of(engine.container.app, UUID(pipeline_id))
        assert event.actor == "root"
