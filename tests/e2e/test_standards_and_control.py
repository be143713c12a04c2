"""``/standards`` and ``GET /reports/control`` over HTTP: a manager sets and
revises a standard, a rep logs calls, the report compares (JSON, sorted,
CSV); who may do what; no input answered with a 5xx."""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import OTHER_REP_ID, REP_ID, Engine, auth, post
from tests.e2e.test_accounts import bodies
from tests.strategies import json_values

CALLS = {"metric": "activities_completed", "activity_kind": "call", "target": "2"}
CALLS |= {"scope": "everyone", "period_kind": "month"}


def write(
    engine: Engine, path: str, body: dict[str, Any], role: str = "manager"
) -> Any:
    answer = engine.client.post(path, json=body, headers=auth(role))
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def report(engine: Engine, role: str = "manager", **query: Any) -> Any:
    answer = engine.client.get("/reports/control", params=query, headers=auth(role))
    assert answer.status_code == 200, answer.text
    return answer.json() if query.get("format") != "csv" else answer


def calls(engine: Engine, *days: str) -> int:
    """Calls the rep logged on ``days``; the last write's position."""
    account = post(engine, "/accounts", {"name": "Acme"})
    position = 0
    for day in days:
        body = {"kind": "call", "purpose": "demo", "account_id": account["id"]}
        body |= {"outcome": "connected", "duration_minutes": 5}
        position = post(engine, "/activities/log", body | {"completed_at": day})[
            "position"
        ]
    return int(position)


def figures(line: dict[str, Any]) -> tuple[Any, ...]:
    numbers = [line[k] for k in ("standard", "actual", "variance", "variance_pct")]
    return (line["member_name"], *[float(n) for n in numbers], line["status"])


class TestStandardsAndTheControlReport:
    def test_set_revise_and_compare(self, running: Engine) -> None:
        standard = write(
            running, "/standards", CALLS | {"effective_from": "2026-01-01"}
        )
        assert (standard["target"], standard["version"]) == ("2", 1)
        revised = write(
            running,
            f"/standards/{standard['id']}/revisions",
            {"target": "4", "effective_from": "2026-07-01"},
            "admin",
        )
        assert [r["target"] for r in revised["revisions"]] == ["2", "4"]
        read = running.client.get(
            f"/standards/{standard['id']}", headers=auth("analyst")
        )
        assert read.json()["revisions"] == revised["revisions"]
        position = calls(
            running,
            "2026-06-03T10:00:00Z",
            "2026-06-04T10:00:00Z",
            "2026-06-30T23:00:00Z",
            "2026-07-01T08:00:00Z",
        )

        june = report(running, period="2026-06", min_position=position)

        # Ann 3 calls against 2 (+50 %); Bob none (-100 %): the worst first
        assert [figures(line) for line in june["lines"]] == [
            ("Bob", 2, 0, -2, -100, "far_below"),
            ("Ann", 2, 3, 1, 50, "above"),
        ]
        assert june["lines"][1]["member"] == str(REP_ID)
        assert [t["period"] for t in june["lines"][1]["trend"]] == [
            "2026-03",
            "2026-04",
            "2026-05",
        ]
        july = report(running, "analyst", period="2026-07", sort="-variance", trend=0)
        # revised to 4 from July: Ann 1 call (-75 %)
        assert [figures(line) for line in july["lines"]] == [
            ("Ann", 4, 1, -3, -75, "far_below"),
            ("Bob", 4, 0, -4, -100, "far_below"),
        ]
        assert (
            report(running, period="2026-06", scope="everyone")["lines"][0]["actual"]
            == "3"
        )

    def test_csv_export(self, running: Engine) -> None:
        write(running, "/standards", CALLS | {"effective_from": "2026-01-01"})
        position = calls(running, "2026-06-03T10:00:00Z")
        answer = report(
            running,
            period="2026-06",
            format="csv",
            trend=1,
            sort="member",
            min_position=position,
        )
        assert answer.headers["content-type"].startswith("text/csv")
        assert "control-2026-06-rep.csv" in answer.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(answer.text)))
        assert rows[0][-2:] == ["standard 2026-05", "actual 2026-05"]
        assert [(r[1], r[5], r[6], r[9]) for r in rows[1:]] == [
            ("Ann", "2", "1", "far_below"),
            ("Bob", "2", "0", "far_below"),
        ]
        assert rows[1][0] == str(REP_ID) and rows[2][0] == str(OTHER_REP_ID)

    def test_bad_standards_and_queries_are_422(self, reps: Engine) -> None:
        for body in (
            CALLS | {"effective_from": "2026-01-01", "metric": "happiness"},
            CALLS | {"effective_from": "2026-01-01", "target": "-1"},
            CALLS | {"effective_from": "2026-01-01", "scope": "team"},
            CALLS | {"effective_from": "2026-01-01", "scope": "rep", "subject": "x"},
            {
                **CALLS,
                "metric": "won_amount",
                "activity_kind": None,
                "effective_from": "2026-01-01",
            },
            CALLS,
        ):
            answer = reps.client.post("/standards", json=body, headers=auth("admin"))
            assert answer.status_code == 422, body
        assert reps.head() == 2  # the two reps only
        for query in (
            {},
            {"period": "2026-13"},
            {"period": "2026-06", "scope": "galaxy"},
            {"period": "2026-06", "sort": "mood"},
            {"period": "2026-06", "format": "xml"},
            {"period": "2026-06", "trend": 13},
            {"period": "2026-06", "below_pct": 20, "far_below_pct": 10},
        ):
            answer = reps.client.get(
                "/reports/control", params=query, headers=auth("admin")
            )
            assert answer.status_code == 422, query
            assert answer.json()["errors"], query
        missing = reps.client.get(f"/standards/{uuid4()}", headers=auth("admin"))
        assert missing.status_code == 404

    def test_who_may_do_what(self, reps: Engine) -> None:
        body = CALLS | {"effective_from": "2026-01-01"}
        anyone = f"/standards/{uuid4()}"
        for method, path, payload in [
            ("POST", "/standards", body),
            (
                "POST",
                f"{anyone}/revisions",
                {"target": 1, "effective_from": "2026-02-01"},
            ),
            ("GET", anyone, None),
            ("GET", "/reports/control?period=2026-06", None),
        ]:
            assert reps.client.request(method, path, json=payload).status_code == 401
            writes = method == "POST"
            for role in ("rep", "service", *(("analyst", "auditor") if writes else ())):
                answer = reps.client.request(
                    method, path, json=payload, headers=auth(role)
                )
                assert answer.status_code == 403, (method, path, role)
        assert reps.head() == 2


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body=bodies(*CALLS, "subject", "currency", "effective_from", "id")
    | bodies("member", "period", "owner_id", "kind", "due_date", "metric"),
    query=st.dictionaries(
        st.sampled_from(
            [
                "period",
                "scope",
                "trend",
                "sort",
                "format",
                "above_pct",
                "below_pct",
                "far_below_pct",
                "fiscal_year_start",
            ]
        ),
        json_values.map(str) | st.sampled_from(["2026-06", "1e400", "-0", "NaN"]),
    ),
)
def test_no_input_is_answered_with_a_5xx(
    engine: Engine, body: Any, query: dict[str, str]
) -> None:
    for path in ("/standards", "/corrective-actions"):
        posted = engine.client.post(path, json=body, headers=auth("admin"))
        assert posted.status_code < 500, posted.text
    answer = engine.client.get("/reports/control", params=query, headers=auth("admin"))
    assert answer.status_code in (200, 422), (query, answer.text)


class TestCorrectiveActions:
    def test_an_action_shows_beside_its_variance(self, running: Engine) -> None:
        write(running, "/standards", CALLS | {"effective_from": "2026-01-01"})
        calls(running, "2026-06-03T10:00:00Z", "2026-07-01T10:00:00Z")
        action = write(
            running,
            "/corrective-actions",
            {
                "scope": "rep",
                "member": str(OTHER_REP_ID),
                "metric": "activities_completed",
            }
            | {"activity_kind": "call", "period": "2026-06", "kind": "coaching"}
            | {"owner_id": str(REP_ID), "due_date": "2026-07-15"},
        )
        assert (action["status"], action["version"]) == ("open", 1)
        moved = running.client.patch(
            f"/corrective-actions/{action['id']}",
            json={"due_date": "2026-07-31"},
            headers={**auth("manager"), "If-Match": "1"},
        )
        assert moved.json()["due_date"] == "2026-07-31"
        closed = write(
            running,
            f"/corrective-actions/{action['id']}/close",
            {"outcome": "two coaching sessions", "closed_on": "2026-07-20"},
            "admin",
        )

        july = report(
            running, period="2026-07", trend=1, min_position=closed["position"]
        )

        bob = next(x for x in july["lines"] if x["member"] == str(OTHER_REP_ID))
        [beside] = bob["actions"]
        assert (beside["id"], beside["status"], beside["outcome"]) == (
            action["id"],
            "closed",
            "two coaching sessions",
        )
        assert beside["recovered"] is False  # Bob made no calls in July either
        ann = next(x for x in july["lines"] if x["member"] == str(REP_ID))
        assert ann["actions"] == []
        june = report(running, period="2026-06", trend=0)
        bob = next(x for x in june["lines"] if x["member"] == str(OTHER_REP_ID))
        assert bob["actions"][0]["recovered"] is None  # no later period shown
        read = running.client.get(
            f"/corrective-actions/{action['id']}", headers=auth("auditor")
        )
        assert read.json()["closed_on"] == "2026-07-20"

    def test_who_may_and_what_is_refused(self, reps: Engine) -> None:
        body = {"scope": "rep", "member": str(REP_ID), "metric": "deals_won"}
        body |= {"period": "2026-06", "kind": "coaching", "owner_id": str(REP_ID)}
        body |= {"due_date": "2026-07-15"}
        one = f"/corrective-actions/{uuid4()}"
        for method, path, payload in [
            ("POST", "/corrective-actions", body),
            ("PATCH", one, {"due_date": "2026-07-20"}),
            ("POST", f"{one}/close", {"outcome": "x"}),
            ("GET", one, None),
        ]:
            assert reps.client.request(method, path, json=payload).status_code == 401
            roles = ("rep", "service") + (("analyst",) if method != "GET" else ())
            for role in roles:
                answer = reps.client.request(
                    method, path, json=payload, headers=auth(role)
                )
                assert answer.status_code == 403, (method, path, role)
        for bad in (
            {"period": "June"},
            {"kind": "punishment"},
            {"member": str(uuid4())},
            {"owner_id": str(uuid4())},
            {"due_date": "soon"},
        ):
            answer = reps.client.post(
                "/corrective-actions", json=body | bad, headers=auth("manager")
            )
            assert answer.status_code == 422, bad
        assert reps.client.get(one, headers=auth("manager")).status_code == 404
        assert reps.head() == 2


class TestTimeReport:
    def test_minutes_per_kind_and_who_may_read(self, running: Engine) -> None:
        position = calls(running, "2026-06-03T10:00:00Z", "2026-06-04T10:00:00Z")
        answer = running.client.get(
            "/reports/time",
            params={"period": "2026-06", "group_by": "rep", "min_position": position},
            headers=auth("analyst"),
        )
        assert answer.status_code == 200, answer.text
        page = answer.json()
        [row] = page["rows"]
        assert (row["group"], row["name"], row["activities"], row["minutes"]) == (
            str(REP_ID),
            "Ann",
            2,
            10,
        )
        assert (row["logged_activities"], row["selling_share_pct"]) == (2, "100")
        assert page["total"]["minutes"] == 10
        assert running.client.get("/reports/time?period=2026-06").status_code == 401
        for role in ("rep", "service"):
            denied = running.client.get(
                "/reports/time?period=2026-06", headers=auth(role)
            )
            assert denied.status_code == 403
        for query in ({}, {"period": "x"}, {"period": "2026-06", "group_by": "mood"}):
            bad = running.client.get(
                "/reports/time", params=query, headers=auth("admin")
            )
            assert bad.status_code == 422, query


class TestTerritoryReportOverHttp:
    def test_a_territory_and_who_may_read(self, running: Engine) -> None:
        account = post(running, "/accounts", {"name": "Acme", "territory": "west"})
        page = running.client.get(
            "/reports/territories",
            params={"min_position": account["position"]},
            headers=auth("manager"),
        )
        assert page.status_code == 200, page.text
        west, none = page.json()["territories"]  # the reps have no territory
        assert (west["territory"], west["accounts"], west["prospects"]) == (
            "west",
            1,
            1,
        )
        assert west["uncovered_accounts"] == 1
        assert (none["territory"], none["reps"], none["accounts"]) == (None, 2, 0)
        assert running.client.get("/reports/territories").status_code == 401
        for role in ("rep", "service"):
            denied = running.client.get("/reports/territories", headers=auth(role))
            assert denied.status_code == 403
        bad = running.client.get(
            "/reports/territories?period=2026-13", headers=auth("admin")
        )
        assert bad.status_code == 422
