"""``GET /reps/{id}/development`` over HTTP shows the rep's control-report
lines (the report's own figures, scope rep) for a period and the ones
before; a bad period is a 422."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.e2e.conftest import OTHER_REP_ID, REP_ID, Engine, auth
from tests.e2e.test_standards_and_control import CALLS, calls, figures, write


def development(engine: Engine, rep: Any, role: str = "rep", **query: Any) -> Any:
    answer = engine.client.get(
        f"/reps/{rep}/development", params=query, headers=auth(role)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_reps_page_shows_their_control_lines(running: Engine) -> None:
    write(running, "/standards", CALLS | {"effective_from": "2026-01-01"})
    position = calls(
        running,
        "2026-05-10T10:00:00Z",
        "2026-06-03T10:00:00Z",
        "2026-06-04T10:00:00Z",
        "2026-06-30T23:00:00Z",
    )

    ann = development(
        running, REP_ID, period="2026-06", trend=2, min_position=position
    )["control"]

    # Ann: 3 calls in June against 2 (+50 %); 1 in May, none in April
    assert ann["period"]["label"] == "2026-06"
    assert [figures(line) for line in ann["lines"]] == [("Ann", 2, 3, 1, 50, "above")]
    (line,) = ann["lines"]
    assert (line["member"], line["metric"], line["activity_kind"]) == (
        str(REP_ID),
        "activities_completed",
        "call",
    )
    assert line["trend"] == [
        {"period": "2026-04", "standard": "2", "actual": "0"},
        {"period": "2026-05", "standard": "2", "actual": "1"},
    ]
    bob = development(running, OTHER_REP_ID, "admin", period="2026-06", trend=0)
    assert [figures(x) for x in bob["control"]["lines"]] == [
        ("Bob", 2, 0, -2, -100, "far_below")
    ]


def test_the_current_month_by_default_and_a_bad_period_is_422(
    running: Engine,
) -> None:
    now = dt.datetime.now(dt.UTC)
    found = development(running, REP_ID)["control"]
    assert found["period"]["label"] == f"{now.year:04d}-{now.month:02d}"
    assert found["lines"] == []  # no standard yet
    for query in ({"period": "2026-13"}, {"period": "June"}, {"trend": 13}):
        answer = running.client.get(
            f"/reps/{REP_ID}/development", params=query, headers=auth("rep")
        )
        assert answer.status_code == 422, (query, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
