"""``/activities`` over HTTP: plan, log, change, complete, cancel, reschedule,
and the write conventions of DESIGN.md on each."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.schemas.activities import (
    ActivityIn,
    ActivityLogIn,
    ActivityPatch,
    CancelIn,
    CompleteIn,
)
from tests.e2e.conftest import OTHER_REP_ID, REP_ID, Engine, auth
from tests.strategies import json_values
from tests.unit.helpers import event_names

AT = "2030-05-06T09:30:00+02:00"


def post(
    engine: Engine, path: str, body: Any, role: str = "rep", **headers: str
) -> Any:
    return engine.client.post(path, json=body, headers={**auth(role), **headers})


def a_contact(engine: Engine, **fields: Any) -> str:
    body = {"given_name": "Ada", "family_name": "Lovelace", **fields}
    return str(post(engine, "/contacts", body).json()["id"])


def plan(engine: Engine, role: str = "rep", **fields: Any) -> Any:
    body = {"kind": "task", "purpose": "demo", "scheduled_at": AT, **fields}
    return post(engine, "/activities", body, role)


class TestPlanActivity:
    def test_planned_with_version_etag_position_and_the_caller_as_owner(
        self, reps: Engine
    ) -> None:
        contact_id = a_contact(reps)
        answer = plan(reps, kind="call", contact_id=contact_id, purpose="Upsell:Seats")
        assert answer.status_code == 201
        body = answer.json()
        assert (body["status"], body["owner_id"]) == ("planned", str(REP_ID))
        assert (body["purpose"], body["scheduled_at"]) == (
            "upsell:seats",
            "2030-05-06T09:30:00+02:00",
        )
        assert (body["version"], answer.headers["etag"]) == (1, '"1"')
        assert body["position"] == reps.head()
        read = reps.client.get(f"/activities/{body['id']}", headers=auth("auditor"))
        assert read.status_code == 200 and read.headers["etag"] == '"1"'
        assert read.json()["contact_id"] == contact_id

    @pytest.mark.parametrize(
        ("fields", "where"),
        [
            ({"scheduled_at": "2030-05-06T09:30:00"}, "body.scheduled_at"),
            ({"purpose": "chat"}, "body.purpose"),
            ({"kind": "fax"}, "body.kind"),
            ({"colour": "red"}, "body.colour"),
        ],
    )
    def test_invalid_fields_are_named_and_record_nothing(
        self, reps: Engine, fields: dict[str, Any], where: str
    ) -> None:
        head = reps.head()
        answer = plan(reps, **fields)
        assert answer.status_code == 422
        assert where in {error["field"] for error in answer.json()["errors"]}
        assert reps.head() == head

    @pytest.mark.parametrize(
        ("fields", "rule"),
        [
            ({"contact_id": "known"}, "task_has_no_customer"),
            ({"kind": "call"}, "customer_activity_needs_contact_or_account"),
            ({"kind": "call", "contact_id": str(uuid4())}, "unknown_contact"),
            ({"kind": "email", "contact_id": "blocked"}, "contact_do_not_contact"),
            ({"owner_id": str(uuid4())}, "owner_must_be_active_rep"),
        ],
    )
    def test_broken_rules_are_named_and_record_nothing(
        self, reps: Engine, fields: dict[str, Any], rule: str
    ) -> None:
        ids = {"known": a_contact(reps), "blocked": a_contact(reps)}
        consent = {"do_not_contact": True, "reason": "asked"}
        post(reps, f"/contacts/{ids['blocked']}/consent", consent)
        head = reps.head()
        answer = plan(reps, "admin", **{k: ids.get(v, v) for k, v in fields.items()})
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["rule"] == rule
        assert reps.head() == head


class TestLogActivity:
    def test_logged_completed_with_a_follow_up_in_one_transaction(
        self, reps: Engine
    ) -> None:
        contact_id = a_contact(reps)
        body = {
            "kind": "visit",
            "contact_id": contact_id,
            "purpose": "renewal",
            "outcome": "meeting_held",
            "duration_minutes": 50,
            "follow_up": {"scheduled_at": AT, "kind": "call"},
        }
        answer = post(reps, "/activities/log", body)
        assert answer.status_code == 201
        logged = answer.json()
        assert (logged["status"], logged["duration_minutes"]) == ("completed", 50)
        assert logged["completed_at"] is not None
        follow_up = reps.client.get(
            f"/activities/{logged['follow_up_id']}", headers=auth("rep")
        ).json()
        assert (follow_up["follows_id"], follow_up["kind"]) == (logged["id"], "call")
        assert (follow_up["contact_id"], follow_up["purpose"]) == (
            contact_id,
            "renewal",
        )
        assert logged["position"] == reps.head()
        app = reps.container.app
        assert event_names(app, UUID(logged["id"])) == ["Logged"]

    def test_a_completion_needs_a_duration(self, reps: Engine) -> None:
        body = {"kind": "task", "purpose": "demo", "outcome": "completed"}
        answer = post(reps, "/activities/log", body)
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "body.duration_minutes"
        assert reps.head() == 2


class TestCompleteActivity:
    def test_complete_with_if_match_and_idempotency_key(self, reps: Engine) -> None:
        activity = plan(reps).json()
        url = f"/activities/{activity['id']}/complete"
        body = {"outcome": "completed", "duration_minutes": 30, "notes": "done"}
        key = {"Idempotency-Key": "c1", "If-Match": '"1"'}
        first = post(reps, url, body, **key)
        again = post(reps, url, body, **key)
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json()
        assert first.json()["status"] == "completed"
        assert again.headers["idempotent-replayed"] == "true"
        assert reps.head() == 4

    def test_stale_version_is_412_and_done_is_done(self, reps: Engine) -> None:
        activity = plan(reps).json()
        url = f"/activities/{activity['id']}"
        post(reps, f"{url}/reschedule", {"scheduled_at": "2030-05-07T10:00:00Z"})
        body = {"outcome": "completed", "duration_minutes": 5}
        stale = post(reps, f"{url}/complete", body, **{"If-Match": "1"})
        assert stale.status_code == 412 and reps.head() == 4
        assert post(reps, f"{url}/complete", body).status_code == 200
        again = post(reps, f"{url}/cancel", {"reason": "x"})
        assert again.status_code == 422
        assert again.json()["rule"] == "activity_not_planned"
        assert reps.head() == 5


class TestChangeCancelReschedule:
    def test_patch_then_reschedule_then_cancel(self, reps: Engine) -> None:
        activity = plan(reps).json()
        url = f"/activities/{activity['id']}"
        patch = {"purpose": "other", "purpose_note": "prep", "department": "ops"}
        changed = reps.client.patch(url, json=patch, headers=auth("rep")).json()
        assert (changed["purpose"], changed["department"]) == ("other", "ops")
        moved = post(reps, f"{url}/reschedule", {"scheduled_at": "2030-06-01T08:00Z"})
        assert moved.json()["scheduled_at"] == "2030-06-01T08:00:00Z"
        cancelled = post(reps, f"{url}/cancel", {"reason": "not needed"}).json()
        assert (cancelled["status"], cancelled["version"]) == ("cancelled", 4)
        app = reps.container.app
        assert event_names(app, UUID(activity["id"])) == [
            "Planned",
            "DetailsChanged",
            "Rescheduled",
            "Cancelled",
        ]

    def test_other_purpose_without_a_note_is_refused(self, reps: Engine) -> None:
        activity = plan(reps).json()
        answer = reps.client.patch(
            f"/activities/{activity['id']}",
            json={"purpose": "other"},
            headers=auth("rep"),
        )
        assert answer.status_code == 422
        assert answer.json()["rule"] == "other_purpose_needs_note"


def routes(activity_id: str) -> list[tuple[str, str, Any]]:
    one = f"/activities/{activity_id}"
    return [
        (
            "POST",
            "/activities",
            {"kind": "task", "purpose": "demo", "scheduled_at": AT},
        ),
        (
            "POST",
            "/activities/log",
            {
                "kind": "task",
                "purpose": "demo",
                "outcome": "completed",
                "duration_minutes": 1,
            },
        ),
        ("PATCH", one, {"notes": "x"}),
        ("POST", f"{one}/complete", {"outcome": "completed", "duration_minutes": 1}),
        ("POST", f"{one}/cancel", {"reason": "x"}),
        ("POST", f"{one}/reschedule", {"scheduled_at": AT}),
    ]


class TestWhoMayDoWhat:
    def test_no_token_is_401_on_every_route(self, reps: Engine) -> None:
        activity_id = plan(reps).json()["id"]
        for method, path, body in [
            *routes(activity_id),
            ("GET", f"/activities/{activity_id}", None),
        ]:
            answer = reps.client.request(method, path, json=body)
            assert answer.status_code == 401, (method, path)
        assert reps.head() == 3

    def test_read_only_roles_may_not_write_on_any_route(self, reps: Engine) -> None:
        activity_id = plan(reps).json()["id"]
        for role in ("analyst", "auditor"):
            for method, path, body in routes(activity_id):
                answer = reps.client.request(
                    method, path, json=body, headers=auth(role)
                )
                assert answer.status_code == 403, (role, method, path)
        assert reps.head() == 3

    def test_a_rep_may_not_touch_another_reps_activity(self, reps: Engine) -> None:
        activity_id = plan(reps, "other-rep").json()["id"]
        for method, path, body in routes(activity_id)[2:]:
            answer = reps.client.request(method, path, json=body, headers=auth("rep"))
            assert answer.status_code == 403, (method, path)
        answer = plan(reps, owner_id=str(OTHER_REP_ID))
        assert answer.status_code == 403
        for role in ("manager", "service", "admin"):
            assert plan(reps, role, owner_id=None).status_code == 201
        assert reps.head() == 6


near_misses = st.sampled_from(
    [
        AT,
        "2030-05-06T09:30:00",
        "9999-12-31T23:59:59-23:59",
        "",
        " ",
        "other",
        "upsell:",
        "cross_sell:x",
        "task",
        "call",
        "completed",
        "connected",
        -1,
        1441,
        10**30,
        str(uuid4()),
        str(REP_ID),
        str(OTHER_REP_ID),
    ]
)
FIELDS = [
    "id",
    "kind",
    "purpose",
    "purpose_note",
    "scheduled_at",
    "contact_id",
    "account_id",
    "owner_id",
    "department",
    "notes",
    "outcome",
    "outcome_note",
    "duration_minutes",
    "completed_at",
    "reason",
]
values = json_values | near_misses
follow_ups = st.dictionaries(st.sampled_from(FIELDS), values, max_size=4)
changes = st.dictionaries(
    st.sampled_from([*FIELDS, "follow_up"]), values | follow_ups, max_size=4
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    route=st.integers(0, 5),
    change=changes,
    raw=st.none() | json_values,
    role=st.sampled_from(["rep", "admin"]),
)
def test_no_input_gives_a_500(
    reps: Engine, route: int, change: dict[str, Any], raw: Any, role: str
) -> None:
    """Valid bodies with fields changed or added, and arbitrary JSON."""
    activity_id = plan(reps, "admin").json()["id"]
    method, path, valid = routes(activity_id)[route]
    body = {**valid, **change} if raw is None else raw
    answer = reps.client.request(method, path, json=body, headers=auth(role))
    assert answer.status_code < 500, answer.text


def test_every_documented_example_is_a_valid_body(engine: Engine) -> None:
    schemas = engine.client.get("/openapi.json").json()["components"]["schemas"]
    for model in (ActivityIn, ActivityLogIn, ActivityPatch, CompleteIn, CancelIn):
        examples = schemas[model.__name__]["examples"]
        assert examples, model.__name__
        for example in examples:
            model.model_validate(example)
