"""The forecast view and read on SQLite: a scripted history with the expected
figures worked out by hand, as of several moments and grouped four ways;
then a property: as of T equals now for a store holding the events up to T.

Default pipeline: prospecting 10 % and qualification 20 % (pipeline),
proposal 50 % (best_case), negotiation 75 % (commit).
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from commands import accounts, opportunities
from domain.periods import parse
from domain.pipeline import DEFAULT_PIPELINE_ID
from infra.view_store import SQLiteViewStore, ViewStore
from projections.forecast import Forecast
from projections.forecast_accuracy import accuracy
from projections.forecast_flow import flow
from projections.forecast_history import as_rates, stage_rates, stage_times
from projections.forecast_query import forecast
from projections.forecast_range import open_deals, percentiles
from projections.runner import Runner
from tests.unit.forecast_world import History, at, day, plain
from tests.unit.helpers import memory_app

Change = opportunities.ChangeOpportunityDetails


def script(h: History) -> History:
    """Ann (team North from August) and Bob (team South from 1 October);
    Acme in the west, Beta in the east until 20 October, then the west.

    D1 Ann/Acme 1000 EUR, prospecting, closes 15 Nov; negotiation on 10 Oct;
       its close date moves to 15 Jan 2027 on 3 Nov (out of Q4).
    D2 Bob/Beta 2000 EUR, proposal, closes 1 Dec; 3000 on 12 Oct; lost 2 Nov.
    D3 Ann/Acme 500 EUR, qualification, closes 30 Sep; moved to 31 Oct on
       5 Oct (into Q4); won 20 Oct.
    D4 Bob/Beta 400 USD, prospecting, closes 30 Nov, opened 25 Oct.
    """
    ann, bob = h.rep("Ann"), h.rep("Bob")
    h.team("2026-08-01", "North", ann)
    h.team("2026-10-01", "South", bob)
    acme = h.account("2026-08-01", "Acme", "west")
    h.names[acme] = "Acme"
    beta = h.account("2026-08-01", "Beta", "east")
    d1 = h.deal(
        "2026-09-01", ann, acme, amount=D(1000), expected_close_date=day("2026-11-15")
    )
    d2 = h.deal(
        "2026-09-05",
        bob,
        beta,
        amount=D(2000),
        expected_close_date=day("2026-12-01"),
        stage="proposal",
    )
    d3 = h.deal(
        "2026-09-10",
        ann,
        acme,
        amount=D(500),
        expected_close_date=day("2026-09-30"),
        stage="qualification",
    )
    h.do("2026-10-05", Change(opportunity_id=d3, expected_close_date=day("2026-10-31")))
    h.do(
        "2026-10-10", opportunities.AdvanceStage(opportunity_id=d1, stage="negotiation")
    )
    h.do("2026-10-12", Change(opportunity_id=d2, amount=D(3000)))
    h.do("2026-10-20", opportunities.WinOpportunity(opportunity_id=d3))
    h.do("2026-10-20", accounts.MoveAccountTerritory(account_id=beta, territory="west"))
    h.deal(
        "2026-10-25",
        bob,
        beta,
        amount=D(400),
        currency="USD",
        expected_close_date=day("2026-11-30"),
    )
    h.do("2026-11-02", opportunities.LoseOpportunity(opportunity_id=d2, reason="price"))
    h.do("2026-11-03", Change(opportunity_id=d1, expected_close_date=day("2027-01-15")))
    return h


def row(
    categories: dict[str, int] | None = None,
    open: int = 0,
    weighted: int = 0,
    won: int = 0,
    lost: int = 0,
    counts: tuple[int, int, int] = (0, 0, 0),
) -> dict[str, Any]:
    return {
        "categories": {k: D(v) for k, v in (categories or {}).items()},
        "open": D(open),
        "weighted": D(weighted),
        "won": D(won),
        "lost": D(lost),
        "counts": counts,
    }


@pytest.fixture
def history(tmp_path: Path) -> History:
    return script(History(memory_app(), SQLiteViewStore(tmp_path / "views.db")))


class TestForecastProjection:
    def test_q4_as_of_15_october_by_rep(self, history: History) -> None:
        # Ann: D1 commit 1000 (75 % = 750), D3 pipeline 500 (20 % = 100)
        # Bob: D2 best_case 3000 (50 % = 1500)
        assert history.table("2026-Q4", as_of="2026-10-15") == {
            ("Ann", "EUR"): row(
                {"commit": 1000, "pipeline": 500}, 1500, 850, counts=(2, 0, 0)
            ),
            ("Bob", "EUR"): row({"best_case": 3000}, 3000, 1500, counts=(1, 0, 0)),
        }

    def test_q4_now_by_rep(self, history: History) -> None:
        # D1 has left Q4, D3 was won on 20 Oct, D2 lost on 2 Nov, D4 is USD
        assert history.table("2026-Q4") == {
            ("Ann", "EUR"): row(won=500, counts=(0, 1, 0)),
            ("Bob", "EUR"): row(lost=3000, counts=(0, 0, 1)),
            ("Bob", "USD"): row({"pipeline": 400}, 400, 40, counts=(1, 0, 0)),
        }

    def test_before_the_changes_q4_and_q3(self, history: History) -> None:
        # 20 Sep: D1 prospecting 1000 (100), D2 proposal 2000 (1000); D3 is Q3
        assert history.table("2026-Q4", as_of="2026-09-20") == {
            ("Ann", "EUR"): row({"pipeline": 1000}, 1000, 100, counts=(1, 0, 0)),
            ("Bob", "EUR"): row({"best_case": 2000}, 2000, 1000, counts=(1, 0, 0)),
        }
        assert history.table("2026-Q3", as_of="2026-09-20") == {
            ("Ann", "EUR"): row({"pipeline": 500}, 500, 100, counts=(1, 0, 0)),
        }
        assert history.table("2026-Q3") == {}

    def test_months_and_the_year(self, history: History) -> None:
        assert history.table("2026-10") == {
            ("Ann", "EUR"): row(won=500, counts=(0, 1, 0)),
        }
        assert history.table("2026-11", as_of="2026-10-15") == {
            ("Ann", "EUR"): row({"commit": 1000}, 1000, 750, counts=(1, 0, 0)),
        }
        assert history.table("2027") == {
            ("Ann", "EUR"): row({"commit": 1000}, 1000, 750, counts=(1, 0, 0)),
        }

    def test_by_team_uses_the_team_of_the_moment(self, history: History) -> None:
        assert history.table("2026-Q4", "team", as_of="2026-09-20") == {
            ("North", "EUR"): row({"pipeline": 1000}, 1000, 100, counts=(1, 0, 0)),
            (None, "EUR"): row({"best_case": 2000}, 2000, 1000, counts=(1, 0, 0)),
        }
        assert history.table("2026-Q4", "team", as_of="2026-10-15") == {
            ("North", "EUR"): row(
                {"commit": 1000, "pipeline": 500}, 1500, 850, counts=(2, 0, 0)
            ),
            ("South", "EUR"): row({"best_case": 3000}, 3000, 1500, counts=(1, 0, 0)),
        }

    def test_by_territory_uses_the_account_territory_of_the_moment(
        self, history: History
    ) -> None:
        assert history.table("2026-Q4", "territory", as_of="2026-10-15") == {
            ("east", "EUR"): row({"best_case": 3000}, 3000, 1500, counts=(1, 0, 0)),
            ("west", "EUR"): row(
                {"commit": 1000, "pipeline": 500}, 1500, 850, counts=(2, 0, 0)
            ),
        }
        assert history.table("2026-Q4", "territory") == {
            ("west", "EUR"): row(won=500, lost=3000, counts=(0, 1, 1)),
            ("west", "USD"): row({"pipeline": 400}, 400, 40, counts=(1, 0, 0)),
        }

    def test_by_pipeline(self, history: History) -> None:
        [((pipeline, _), figures)] = history.table(
            "2026-Q4", "pipeline", "2026-10-15"
        ).items()
        assert pipeline == str(DEFAULT_PIPELINE_ID)
        assert figures == row(
            {"commit": 1000, "pipeline": 500, "best_case": 3000},
            4500,
            2350,
            counts=(3, 0, 0),
        )

    def test_a_fiscal_year_from_october(self, history: History) -> None:
        """FY2027 starts 1 Oct 2026: its Q1 is calendar Q4 2026."""
        assert history.table("2027-Q1", as_of="2026-10-15", fy=10) == history.table(
            "2026-Q4", as_of="2026-10-15"
        )
        assert history.table("2026", fy=10) == {}  # Oct 2025 - Sep 2026

    def test_at_the_moment_of_an_event_it_counts(self, history: History) -> None:
        # D1 entered negotiation at exactly 10 Oct 00:00
        before = history.table("2026-11", as_of="2026-10-09T23:59:59")
        at = history.table("2026-11", as_of="2026-10-10T00:00")
        assert before[("Ann", "EUR")]["weighted"] == D(100)
        assert at[("Ann", "EUR")]["weighted"] == D(750)

    def test_a_rebuild_gives_the_same_rows(self, history: History) -> None:
        history.runner.catch_up()
        live = intervals(history.store)
        shadow = Runner(
            Forecast(), history.store, history.app, shadow=True, batch_size=3
        )
        shadow.catch_up()
        history.store.swap(Forecast)
        assert intervals(history.store) == live
        assert len(live) == 15  # 10 deal states, 5 team and territory states


def intervals(store: ViewStore) -> list[tuple[Any, ...]]:
    names = store.names(Forecast)
    with store.transaction() as cursor:
        cursor.execute(names.sql("SELECT * FROM {deal_intervals} ORDER BY 1, 2"))
        found: list[tuple[Any, ...]] = list(cursor.fetchall())
        cursor.execute(names.sql("SELECT * FROM {attributes} ORDER BY 1, 2, 3"))
        return found + list(cursor.fetchall())


class TestHistoricalMethod:
    def test_weights_with_observed_stage_rates_as_of_the_moment(
        self, history: History
    ) -> None:
        """By 25 Oct one closed deal, D3, had passed through qualification
        (won): qualification's rate is 100 %; no other stage has a closed
        deal yet (D2 is lost on 2 Nov). D5, Ann's 800 in qualification from
        21 Oct, is weighted 800 instead of 160; the others keep their
        configured probabilities (D1 750, D2 1500, D4 40)."""
        ann, acme = (
            next(k for k, v in history.names.items() if v == name)
            for name in ("Ann", "Acme")
        )
        history.deal(
            "2026-10-21",
            ann,
            acme,
            amount=D(800),
            expected_close_date=day("2026-12-10"),
            stage="qualification",
        )
        history.runner.catch_up()
        with history.store.transaction() as cursor:
            names = history.store.names(Forecast)
            rates = stage_rates(cursor, names, at("2026-10-25"))
            figures = forecast(
                cursor,
                names,
                period=parse("2026-Q4"),
                group_by="rep",
                as_of=at("2026-10-25"),
                rates=as_rates(rates),
            )
            now = stage_rates(cursor, names)
        assert [(r.stage, r.won, r.closed) for r in rates] == [("qualification", 1, 1)]
        got = {
            (history.names[UUID(f.group or "")], f.currency): plain(f) for f in figures
        }
        assert got[("Ann", "EUR")] == row(
            {"commit": 1000, "pipeline": 800}, 1800, 1550, won=500, counts=(2, 1, 0)
        )
        assert got[("Bob", "EUR")]["weighted"] == D(1500)
        assert got[("Bob", "USD")]["weighted"] == D(40)
        assert [(r.stage, r.won, r.closed) for r in now] == [
            ("proposal", 0, 1),
            ("qualification", 1, 1),
        ]


class TestDealFlow:
    def test_how_q4_moved_from_1_october_to_30_november(self, history: History) -> None:
        """D1 (1000) left Q4 on 3 Nov, D3 (500) came in on 5 Oct and was won,
        D2 was lost at 3000, D4 (400 USD) is new."""
        assert self.flows(history, "2026-10-01", "2026-11-30") == [
            ("new", "USD", 1, D(400), D(0)),
            ("pushed_out", "EUR", 1, D(1000), D(0)),
            ("won", "EUR", 1, D(500), D(0)),
            ("lost", "EUR", 1, D(3000), D(0)),
        ]

    def test_amounts_changed_between_11_and_15_october(self, history: History) -> None:
        assert self.flows(history, "2026-10-11", "2026-10-15") == [
            ("amount_changed", "EUR", 1, D(3000), D(1000)),
            ("unchanged", "EUR", 2, D(1500), D(0)),
        ]

    def flows(self, history: History, start: str, end: str) -> list[tuple[Any, ...]]:
        history.runner.catch_up()
        with history.store.transaction() as cursor:
            found = flow(
                cursor,
                history.store.names(Forecast),
                period=parse("2026-Q4"),
                start=at(start),
                end=at(end),
            )
        return [
            (f.kind, f.currency, f.deals, D(str(f.amount)), D(str(f.change)))
            for f in found
        ]


class TestForecastAccuracy:
    def test_october_at_31_20_and_7_days_before_its_end(self, history: History) -> None:
        """Ann won D3 (500) on 20 Oct. On 1 Oct D3 closed in September (said
        0); on 12 Oct it closed on 31 Oct in qualification (500 x 20 % =
        100); on 25 Oct it was won (500)."""
        history.runner.catch_up()
        with history.store.transaction() as cursor:
            found = accuracy(
                cursor,
                history.store.names(Forecast),
                period=parse("2026-10"),
                group_by="rep",
                offsets=[31, 20, 7],
            )
        got = [
            (
                None if a.total else history.names[UUID(a.group or "")],
                a.currency,
                D(str(a.won)),
                [D(str(a.said.get(d, 0))) for d in (31, 20, 7)],
                [a.error_pct(d) for d in (31, 20, 7)],
            )
            for a in found
        ]
        expected = (D(500), [D(0), D(100), D(500)], [D(-100), D(-80), D(0)])
        assert got == [("Ann", "EUR", *expected), (None, "EUR", *expected)]


class TestForecastRange:
    def test_certain_deals_give_one_figure(self) -> None:
        deals = [("a", 1000.0, 1.0), ("b", 300.0, 0.0)]
        assert percentiles(D(500), deals, "1") == (D(1500), D(1500), D(1500))

    def test_an_even_chance_spreads_the_range(self) -> None:
        p10, _, p90 = percentiles(D(0), [("a", 1000.0, 0.5)], "1")
        assert (p10, p90) == (D(0), D(1000))

    def test_the_fixture_as_of_15_october_is_reproducible(
        self, history: History
    ) -> None:
        """Ann: D1 1000 at 75 %, D3 500 at 20 %; Bob: D2 3000 at 50 %."""
        history.runner.catch_up()
        with history.store.transaction() as cursor:
            found = open_deals(
                cursor,
                history.store.names(Forecast),
                period=parse("2026-Q4"),
                group_by="rep",
                as_of=at("2026-10-15"),
                rates={},
            )
        chances = {
            history.names[UUID(group or "")]: sorted((a, c) for _, a, c in deals)
            for (group, _), deals in found.items()
        }
        assert chances == {
            "Ann": [(500.0, 0.2), (1000.0, 0.75)],
            "Bob": [(3000.0, 0.5)],
        }
        ann = next(
            v for (g, _), v in found.items() if history.names[UUID(g or "")] == "Ann"
        )
        first = percentiles(D(0), ann, "7:ann")
        assert first == percentiles(D(0), ann, "7:ann")
        assert set(first) <= {D(0), D(500), D(1000), D(1500)}
        assert first[0] <= first[1] <= first[2]


class TestStageTimes:
    def test_median_days_in_each_stage_and_to_close(self, history: History) -> None:
        """By 30 Nov: D1 39 days in prospecting and 24 in negotiation (until
        its close date changed; that stay goes on); D2 37 + 21 = 58 in
        proposal; D3 25 + 15 = 40 in qualification. D3 closed after 40 days,
        D2 after 58: median 49."""
        history.runner.catch_up()
        with history.store.transaction() as cursor:
            times = stage_times(cursor, history.store.names(Forecast), at("2026-11-30"))
        pipeline = str(DEFAULT_PIPELINE_ID)
        assert times.in_stage == {
            (pipeline, "negotiation"): D(24),
            (pipeline, "proposal"): D(58),
            (pipeline, "prospecting"): D(39),
            (pipeline, "qualification"): D(40),
        }
        assert times.to_close == {pipeline: D(49)}
