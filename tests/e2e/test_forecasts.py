"""``GET /forecasts`` over HTTP: figures after writes (read-your-writes), as
of a moment before them, grouped, fiscal years, and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.routes import forecasts
from commands.pipelines import ensure_default_pipeline
from domain.periods import of_kind
from tests.e2e.conftest import REP_ID, Engine, auth, post
from tests.strategies import json_values


def read(engine: Engine, role: str = "manager", **query: Any) -> Any:
    answer = engine.client.get("/forecasts", params=query, headers=auth(role))
    assert answer.status_code == 200, answer.text
    return answer.json()


def deals(engine: Engine) -> int:
    """Two open deals of the rep in Q1 2031 at Acme (west); the position."""
    ensure_default_pipeline(engine.container.app)
    account = post(engine, "/accounts", {"name": "Acme", "territory": "west"})
    body = {"account_id": account["id"], "currency": "EUR", "owner_id": str(REP_ID)}
    post(
        engine,
        "/opportunities",
        body
        | {"name": "A", "amount": "1000", "stage": "proposal"}
        | {"expected_close_date": "2031-02-10"},
    )
    last = post(
        engine,
        "/opportunities",
        body
        | {"name": "B", "amount": "300", "stage": "negotiation"}
        | {"expected_close_date": "2031-03-01"},
    )
    return int(last["position"])


def money(row: dict[str, Any]) -> dict[str, Any]:
    names = ("open_amount", "weighted_amount", "closed_won", "expected_amount")
    return {
        **{k: float(v) for k, v in row["open_by_category"].items()},
        **{name: float(row[name]) for name in names},
        "deal_count": row["deal_count"],
    }


class TestForecasts:
    def test_the_period_s_deals_by_rep_and_as_of_before_them(
        self, running: Engine
    ) -> None:
        position = deals(running)

        page = read(running, period="2031-Q1", min_position=position)

        # best case 1000 at 50 %, commit 300 at 75 %: weighted 500 + 225
        expected = {"pipeline": 0, "best_case": 1000, "commit": 300}
        expected |= {"open_amount": 1300, "weighted_amount": 725, "closed_won": 0}
        expected |= {"expected_amount": 725, "deal_count": 2}
        [row], [total] = page["rows"], page["totals"]
        assert (row["group"], row["currency"]) == (str(REP_ID), "EUR")
        assert money(row) == expected
        assert money(total) == expected and total["group"] is None
        assert page["period"] == {
            "label": "2031-Q1",
            "kind": "quarter",
            "first": "2031-01-01",
            "last": "2031-03-31",
            "fiscal_year_start": 1,
        }
        assert page["position"] >= position and page["as_of"] is None
        before = read(running, "analyst", period="2031-Q1", as_of="2000-01-01T00:00")
        assert (before["rows"], before["as_of"]) == ([], "2000-01-01T00:00:00Z")

    def test_grouped_and_in_fiscal_years(self, running: Engine) -> None:
        position = deals(running)
        by_territory = read(
            running,
            "auditor",
            period="2031-Q1",
            group_by="territory",
            min_position=position,
        )
        assert [r["group"] for r in by_territory["rows"]] == ["west"]
        # FY2031 from February is Feb 2030 - Jan 2031: Q1 is Feb - Apr 2030
        assert read(running, period="2031-Q1", fiscal_year_start=2)["rows"] == []
        april = read(running, "admin", period="2031", fiscal_year_start=4)
        assert april["period"]["first"] == "2030-04-01"
        assert april["rows"][0]["deal_count"] == 2
        month = read(running, period="2031-02", group_by="pipeline")
        assert float(month["rows"][0]["open_amount"]) == 1000

    def test_needs_a_manager_s_token_and_a_valid_query(self, reps: Engine) -> None:
        assert reps.client.get("/forecasts?period=2026").status_code == 401
        for role in ("rep", "service"):
            answer = reps.client.get("/forecasts?period=2026", headers=auth(role))
            assert answer.status_code == 403, role
        for query in (
            {},
            {"period": "2026-Q5"},
            {"period": "2026-13"},
            {"period": "0001"},
            {"period": "Q4"},
            {"period": "2026", "group_by": "region"},
            {"period": "2026", "method": "magic"},
            {"period": "2026", "fiscal_year_start": 13},
            {"period": "2026", "as_of": "yesterday"},
        ):
            bad = reps.client.get("/forecasts", params=query, headers=auth("admin"))
            assert bad.status_code == 422, query
            assert bad.headers["content-type"] == "application/problem+json"
            assert bad.json()["errors"], query

    def test_a_position_not_yet_applied_is_503_with_retry_after(
        self, reps: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(forecasts, "WAIT_SECONDS", 0.2)
        query = {"period": "2026", "min_position": reps.head() + 1}
        answer = reps.client.get("/forecasts", params=query, headers=auth("admin"))
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "1"


NAMES = ["period", "group_by", "as_of", "method", "fiscal_year_start"]


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    query=st.dictionaries(
        st.sampled_from(NAMES),
        json_values.map(str)
        | st.sampled_from(["2026", "2026-Q4", "9999-12", "9999", "0001-01-01", "rep"])
        | st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]),
    )
)
def test_no_query_is_answered_with_a_5xx(engine: Engine, query: dict[str, str]) -> None:
    answer = engine.client.get("/forecasts", params=query, headers=auth("admin"))
    assert answer.status_code in (200, 422), (query, answer.text)


def test_quota_and_attainment_from_the_won_amount_standard(running: Engine) -> None:
    """A per-rep quota of 2000 EUR a quarter; the rep wins 500 this quarter."""
    ensure_default_pipeline(running.container.app)
    standard = {"metric": "won_amount", "currency": "EUR", "target": "2000"}
    standard |= {"scope": "everyone", "period_kind": "quarter"}
    answer = running.client.post(
        "/standards",
        json=standard | {"effective_from": "2020-01-01"},
        headers=auth("manager"),
    )
    assert answer.status_code == 201, answer.text
    account = post(running, "/accounts", {"name": "Acme"})
    deal = post(
        running,
        "/opportunities",
        {"account_id": account["id"], "currency": "EUR", "owner_id": str(REP_ID)}
        | {"name": "A", "amount": "500", "expected_close_date": "2031-01-01"},
    )
    won = post(running, f"/opportunities/{deal['id']}/win", {})
    quarter = of_kind("quarter", datetime.now(UTC).date())

    page = read(running, period=quarter.label, min_position=won["position"])

    [row] = [r for r in page["rows"] if r["group"] == str(REP_ID)]
    assert (row["closed_won"], row["quota"]) == ("500", "2000")
    assert float(row["attainment_pct"]) == 25
    # both reps have the quota: 4000 in all
    assert (page["totals"][0]["quota"], float(page["totals"][0]["attainment_pct"])) == (
        "4000",
        12.5,
    )
    by_pipeline = read(running, period=quarter.label, group_by="pipeline")
    assert by_pipeline["rows"][0]["quota"] is None


def test_the_historical_method_shows_the_rates_it_used(running: Engine) -> None:
    """One deal won from proposal: proposal's rate is 100 %, so the open
    proposal deal counts whole, not at 50 %."""
    position = deals(running)  # A: proposal 1000, B: negotiation 300
    account = post(running, "/accounts", {"name": "Beta"})
    won = post(
        running,
        "/opportunities",
        {"account_id": account["id"], "currency": "EUR", "owner_id": str(REP_ID)}
        | {"name": "W", "amount": "50", "stage": "proposal"}
        | {"expected_close_date": "2031-05-01"},
    )
    position = post(running, f"/opportunities/{won['id']}/win", {})["position"]
    page = read(running, period="2031-Q1", method="historical", min_position=position)
    [rate] = page["stage_rates"]
    assert (rate["stage"], rate["won"], rate["closed"], float(rate["rate_pct"])) == (
        "proposal",
        1,
        1,
        100.0,
    )
    # A at 100 % (1000) and B at its configured 75 % (225)
    assert float(page["rows"][0]["weighted_amount"]) == 1225
    configured = read(running, period="2031-Q1")
    assert configured["stage_rates"] == []


def test_deal_flow_between_two_moments(running: Engine) -> None:
    before = datetime.now(UTC)
    position = deals(running)
    answer = running.client.get(
        "/forecasts/flow",
        params={"period": "2031-Q1", "from": before.isoformat(), "to": "2100-01-01"}
        | {"min_position": position},
        headers=auth("analyst"),
    )
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert [(f["kind"], f["deals"], f["amount"]) for f in page["flows"]] == [
        ("new", 2, "1300")
    ]
    assert page["to"] == "2100-01-01T00:00:00Z"
    for query in ({"period": "2031-Q1"}, {"period": "x", "from": "2030", "to": "2031"}):
        bad = running.client.get("/forecasts/flow", params=query, headers=auth("admin"))
        assert bad.status_code == 422, query
    assert running.client.get("/forecasts/flow").status_code == 401
    denied = running.client.get("/forecasts/flow", headers=auth("rep"))
    assert denied.status_code == 403


def test_a_manager_s_adjustment_shows_beside_the_raw_forecast(running: Engine) -> None:
    deals(running)
    body = {"scope": "rep", "member": str(REP_ID), "period": "2031-Q1"}
    body |= {"currency": "EUR", "amount": "900", "note": "B slips to April"}
    answer = running.client.post(
        "/forecast-adjustments", json=body, headers=auth("manager")
    )
    assert answer.status_code == 201, answer.text
    revised = running.client.post(
        "/forecast-adjustments", json=body | {"amount": "950"}, headers=auth("admin")
    )
    assert (revised.status_code, revised.json()["amount"]) == (200, "950")

    page = read(running, period="2031-Q1", min_position=revised.json()["position"])

    [row] = page["rows"]
    assert (row["expected_amount"], row["adjusted_amount"]) == ("725", "950")
    assert (row["adjustment_note"], row["adjusted_by"]) == ("B slips to April", "root")
    assert page["totals"][0]["adjusted_amount"] is None
    for role in ("rep", "analyst", "service"):
        denied = running.client.post(
            "/forecast-adjustments", json=body, headers=auth(role)
        )
        assert denied.status_code == 403, role
    assert running.client.post("/forecast-adjustments", json=body).status_code == 401
    for bad in ({"period": "2031-Q9"}, {"amount": "-1"}, {"scope": "territory"}):
        refused = running.client.post(
            "/forecast-adjustments", json=body | bad, headers=auth("manager")
        )
        assert refused.status_code == 422, bad


def test_accuracy_of_a_closed_period(running: Engine) -> None:
    """Nothing was forecast for January 2020 nor won in it: no rows; a
    period still running and bad offsets are refused."""
    page = read(running, "auditor", period="2020-01")  # the forecast route works
    assert page["rows"] == []
    answer = running.client.get(
        "/forecasts/accuracy",
        params={"period": "2020-01", "offsets": "30,7"},
        headers=auth("analyst"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == []
    for query in (
        {"period": "2999-01"},
        {"period": "2020-01", "offsets": "0"},
        {"period": "2020-01", "offsets": "x"},
        {
            "period": "2020-01",
            "offsets": ",".join(["1"] * 13) + ",2,3,4,5,6,7,8,9,10,11,12,13",
        },
    ):
        bad = running.client.get(
            "/forecasts/accuracy", params=query, headers=auth("admin")
        )
        assert bad.status_code == 422, query
    assert running.client.get("/forecasts/accuracy?period=2020-01").status_code == 401
    denied = running.client.get(
        "/forecasts/accuracy?period=2020-01", headers=auth("rep")
    )
    assert denied.status_code == 403


def test_a_seeded_range(running: Engine) -> None:
    position = deals(running)  # 1000 at 50 %, 300 at 75 %
    first = read(running, period="2031-Q1", range="true", seed=7, min_position=position)
    again = read(running, period="2031-Q1", range="true", seed=7)
    [row] = first["rows"]
    figures = [float(row[p]) for p in ("p10", "p50", "p90")]
    assert figures == [float(again["rows"][0][p]) for p in ("p10", "p50", "p90")]
    assert set(figures) <= {0, 300, 1000, 1300} and figures == sorted(figures)
    assert (figures[0], figures[2]) == (0, 1300)
    assert read(running, period="2031-Q1")["rows"][0]["p50"] is None


def test_stage_history(running: Engine) -> None:
    position = deals(running)
    page = read_stages(running, min_position=position)
    assert page["pipelines"] == [] and page["stages"] == []  # nothing closed yet
    before = read_stages(running, as_of="2000-01-01T00:00:00Z")
    assert before["stages"] == [] and before["as_of"] == "2000-01-01T00:00:00Z"
    assert running.client.get("/forecasts/stages").status_code == 401
    assert (
        running.client.get("/forecasts/stages", headers=auth("rep")).status_code == 403
    )
    bad = running.client.get("/forecasts/stages?as_of=soon", headers=auth("admin"))
    assert bad.status_code == 422


def read_stages(engine: Engine, **query: Any) -> Any:
    answer = engine.client.get(
        "/forecasts/stages", params=query, headers=auth("analyst")
    )
    assert answer.status_code == 200, answer.text
    return answer.json()
