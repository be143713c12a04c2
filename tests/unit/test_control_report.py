"""The control report on SQLite: a scripted month with the expected
standards, actuals, variances and statuses worked out by hand.

Ann (team North, west), Bob (team North, east), Cy (team South, west).
Monthly standards, per rep:
  S1 everyone: 10 calls completed; S2 Ann: 20 calls, from 1 Nov.
  S3 team North: 2 deals won from 1 Oct, revised to 3 from 15 Nov.
  S4 everyone: 1000 EUR won.  S5 everyone: win rate 50 %.
  S6 territory west: 30 days sales cycle (lower is better).
  S7 everyone: 80 % of planned activities on time.  S8 everyone: 50 % of
  follow-ups on time.
The report is asked for on 5 Dec 2026.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from commands import activities, corrective_actions, opportunities, reps, standards
from domain.outreach_rules import Policy
from domain.periods import parse
from infra.view_store import SQLiteViewStore
from projections.actions import CorrectiveActions
from projections.actions_query import actions, recovered
from projections.control import Control
from projections.control_query import Line, Thresholds, control_report
from projections.runner import Runner
from projections.time_query import time_spent, total
from tests.unit.forecast_world import History, at, day
from tests.unit.helpers import memory_app


def std(**fields: Any) -> standards.SetStandard:
    return standards.SetStandard.model_validate(fields)


class World(History):
    def __post_init__(self) -> None:
        super().__post_init__()
        # Many reps log demos at one account here: the outreach guard, which
        # would refuse them, is not what these reports are about.
        self.app.outreach_policy = Policy(window_days=0)
        self.control = Runner(Control(), self.store, self.app)
        self.actions = Runner(CorrectiveActions(), self.store, self.app)
        self.acct = self.account("2026-01-01", "Acme", None)

    def id_of(self, name: str) -> UUID:
        return next(k for k, v in self.names.items() if v == name)

    def member(self, name: str, territory: str) -> UUID:
        rep_id = self.do(
            "2026-01-01",
            reps.RegisterRep(name=name, email=f"{name}@sfa.dev", territory=territory),
        )
        self.names[rep_id] = name
        return rep_id

    def calls(self, rep: UUID, when: str, count: int) -> None:
        for _ in range(count):
            self.log(rep, when, "call")

    def log(self, rep: UUID, when: str, kind: str) -> UUID:
        return self.do(
            when,
            activities.LogActivity.model_validate(
                {"kind": kind, "purpose": "demo", "account_id": self.acct}
                | {"owner_id": rep, "duration_minutes": 10, "completed_at": at(when)}
                | {"outcome": "connected" if kind == "call" else "meeting_held"}
            ),
        )

    def plan(self, rep: UUID, due: str) -> UUID:
        return self.do(
            "2026-11-01",
            activities.PlanActivity(
                kind="meeting",
                purpose="demo",
                account_id=self.acct,
                owner_id=rep,
                scheduled_at=at(due) + timedelta(hours=10),
            ),
        )

    def complete(self, activity: UUID, when: str, follow_up: str | None = None) -> None:
        plan = None
        if follow_up is not None:
            plan = activities.FollowUp(scheduled_at=at(follow_up))
        self.do(
            when,
            activities.CompleteActivity(
                activity_id=activity,
                outcome="meeting_held",
                duration_minutes=30,
                completed_at=at(when),
                follow_up=plan,
            ),
        )

    def deal(  # type: ignore[override]
        self,
        owner: UUID,
        opened: str,
        closed: str,
        won: bool,
        amount: int = 0,
        currency: str = "EUR",
    ) -> UUID:
        deal_id = super().deal(
            opened,
            owner,
            self.acct,
            amount=D(amount),
            currency=currency,
            expected_close_date=day("2026-12-31"),
        )
        command: Any = (
            opportunities.WinOpportunity(opportunity_id=deal_id)
            if won
            else opportunities.LoseOpportunity(opportunity_id=deal_id, reason="x")
        )
        self.do(closed, command)
        return deal_id

    def report(
        self, scope: str, period: str = "2026-11", until: str = "2026-12-05", **kw: Any
    ) -> dict[Any, Any]:
        self.control.catch_up()
        with self.store.transaction() as cursor:
            lines = control_report(
                cursor,
                self.store.names(Control),
                period=parse(period),
                scope=scope,
                until=at(until),
                **kw,
            )
        return {(line.member_name, line.key[0]): flat(line) for line in lines}


def act(w: World, member: UUID, metric: str, period: str, **more: Any) -> UUID:
    body = {"scope": "rep", "member": str(member), "metric": metric}
    body |= {"period": period, "owner_id": str(member), "kind": "coaching"}
    body |= {"due_date": "2026-12-15"}
    command = corrective_actions.OpenCorrectiveAction.model_validate(body | more)
    return w.do("2026-11-20", command)


def flat(line: Line) -> tuple[Any, ...]:
    """standard, actual, variance %, status, and the trend's (standard,
    actual) pairs; figures rounded to 2 places."""

    def r(value: D | None) -> D | None:
        return None if value is None else round(value, 2)

    trend = tuple(
        None if cell is None else (r(cell.standard), r(cell.actual))
        for _, cell in line.trend
    )
    return (r(line.standard), r(line.actual), r(line.variance_pct), line.status, trend)


def script(w: World) -> World:
    ann, bob, cy = (
        w.member("Ann", "west"),
        w.member("Bob", "east"),
        w.member("Cy", "west"),
    )
    north = w.team("2026-01-01", "North", ann, bob)
    w.team("2026-01-01", "South", cy)
    everyone = {"scope": "everyone", "period_kind": "month"}
    since = {"effective_from": day("2026-01-01")}
    w.do(
        "2026-01-01",
        std(
            metric="activities_completed",
            activity_kind="call",
            target=D(10),
            **everyone,
            **since,
        ),
    )
    w.do(
        "2026-10-20",
        std(
            metric="activities_completed",
            activity_kind="call",
            target=D(20),
            scope="rep",
            subject=str(ann),
            period_kind="month",
            effective_from=day("2026-11-01"),
        ),
    )
    s3 = w.do(
        "2026-01-01",
        std(
            metric="deals_won",
            target=D(2),
            scope="team",
            subject=str(north),
            period_kind="month",
            effective_from=day("2026-10-01"),
        ),
    )
    w.do(
        "2026-11-14",
        standards.ReviseStandard(
            standard_id=s3, target=D(3), effective_from=day("2026-11-15")
        ),
    )
    w.do(
        "2026-01-01",
        std(metric="won_amount", currency="EUR", target=D(1000), **everyone, **since),
    )
    w.do("2026-01-01", std(metric="win_rate", target=D(50), **everyone, **since))
    w.do(
        "2026-01-01",
        std(
            metric="avg_sales_cycle_days",
            target=D(30),
            scope="territory",
            subject="west",
            period_kind="month",
            **since,
        ),
    )
    w.do(
        "2026-01-01",
        std(metric="planned_on_time_share", target=D(80), **everyone, **since),
    )
    w.do(
        "2026-01-01",
        std(metric="follow_ups_on_time_share", target=D(50), **everyone, **since),
    )
    # calls: Ann 9 in Oct, 18 in Nov; Bob 10 and 6; Cy 12 in Nov (and a meeting)
    w.calls(ann, "2026-10-15", 9)
    w.calls(ann, "2026-11-15", 18)
    w.calls(bob, "2026-10-15", 10)
    w.calls(bob, "2026-11-15", 6)
    w.calls(cy, "2026-11-16", 12)
    w.log(cy, "2026-11-16", "meeting")
    # deals: Ann wins 600 (41 days) and 700 (20 days), loses one, in Nov;
    # Bob won 500 on 31 Oct, loses one in Nov; Cy wins 5000 USD (5 days)
    w.deal(ann, "2026-10-01", "2026-11-11", True, 600)
    w.deal(ann, "2026-11-01", "2026-11-21", True, 700)
    w.deal(ann, "2026-11-02", "2026-11-20", False)
    w.deal(bob, "2026-09-01", "2026-10-31", True, 500)
    w.deal(bob, "2026-11-05", "2026-11-25", False)
    w.deal(cy, "2026-11-01", "2026-11-06", True, 5000, "USD")
    # planned meetings: Ann 4 due 10 Nov, 3 on time (one plans a follow-up due
    # 15 Nov, done late on the 16th), 1 done on the 12th; Bob 1 due 20 Nov
    # done on the 19th, 1 cancelled, 1 due in December; Cy 1 due 28 Nov, open
    first, *more, late = [w.plan(ann, "2026-11-10") for _ in range(4)]
    w.complete(first, "2026-11-10T15:00", follow_up="2026-11-15T09:00")
    for meeting in more:
        w.complete(meeting, "2026-11-10T23:59")
    w.complete(late, "2026-11-12")
    follow_up: UUID = w.app.repository.get(first).follow_up_id
    w.complete(follow_up, "2026-11-16")
    w.complete(w.plan(bob, "2026-11-20"), "2026-11-19")
    dropped = w.plan(bob, "2026-11-20")
    w.do("2026-11-02", activities.CancelActivity(activity_id=dropped, reason="x"))
    w.plan(bob, "2026-12-02")
    w.plan(cy, "2026-11-28")
    return w


@pytest.fixture
def world(tmp_path: Path) -> World:
    return script(World(memory_app(), SQLiteViewStore(tmp_path / "views.db")))


class TestControlReport:
    def test_per_rep_in_november(self, world: World) -> None:
        got = world.report("rep", trend=1)
        assert got == {
            # -10 % is still on track; October used S1 (S2 from November)
            ("Ann", "activities_completed"): (
                D(20),
                D(18),
                D(-10),
                "on_track",
                ((D(10), D(9)),),
            ),
            # S3 revised to 3 from 15 Nov: in force for November
            ("Ann", "deals_won"): (
                D(3),
                D(2),
                D("-33.33"),
                "far_below",
                ((D(2), D(0)),),
            ),
            ("Ann", "won_amount"): (
                D(1000),
                D(1300),
                D(30),
                "above",
                ((D(1000), D(0)),),
            ),
            # 2 won of 3 closed; nothing closed in October
            ("Ann", "win_rate"): (
                D(50),
                D("66.67"),
                D("33.33"),
                "above",
                ((D(50), None),),
            ),
            # (41 + 20) / 2 days against 30: 1.67 % worse
            ("Ann", "avg_sales_cycle_days"): (
                D(30),
                D("30.5"),
                D("1.67"),
                "on_track",
                ((D(30), None),),
            ),
            # 3 of 5 planned (4 + the follow-up) on time
            ("Ann", "planned_on_time_share"): (
                D(80),
                D(60),
                D(-25),
                "below",
                ((D(80), None),),
            ),
            ("Ann", "follow_ups_on_time_share"): (
                D(50),
                D(0),
                D(-100),
                "far_below",
                ((D(50), None),),
            ),
            ("Bob", "activities_completed"): (
                D(10),
                D(6),
                D(-40),
                "far_below",
                ((D(10), D(10)),),
            ),
            ("Bob", "deals_won"): (D(3), D(0), D(-100), "far_below", ((D(2), D(1)),)),
            ("Bob", "won_amount"): (
                D(1000),
                D(0),
                D(-100),
                "far_below",
                ((D(1000), D(500)),),
            ),
            ("Bob", "win_rate"): (
                D(50),
                D(0),
                D(-100),
                "far_below",
                ((D(50), D(100)),),
            ),
            # the cancelled one and the December one do not count
            ("Bob", "planned_on_time_share"): (
                D(80),
                D(100),
                D(25),
                "above",
                ((D(80), None),),
            ),
            ("Bob", "follow_ups_on_time_share"): (
                D(50),
                None,
                None,
                "no_data",
                ((D(50), None),),
            ),
            ("Cy", "activities_completed"): (
                D(10),
                D(12),
                D(20),
                "above",
                ((D(10), D(0)),),
            ),
            ("Cy", "won_amount"): (
                D(1000),
                D(0),
                D(-100),
                "far_below",
                ((D(1000), D(0)),),
            ),
            ("Cy", "win_rate"): (D(50), D(100), D(100), "above", ((D(50), None),)),
            # 5 days against 30, lower is better
            ("Cy", "avg_sales_cycle_days"): (
                D(30),
                D(5),
                D("-83.33"),
                "above",
                ((D(30), None),),
            ),
            ("Cy", "planned_on_time_share"): (
                D(80),
                D(0),
                D(-100),
                "far_below",
                ((D(80), None),),
            ),
            ("Cy", "follow_ups_on_time_share"): (
                D(50),
                None,
                None,
                "no_data",
                ((D(50), None),),
            ),
        }

    def test_per_team_pools_members(self, world: World) -> None:
        got = world.report("team", trend=0)
        north = {k[1]: v[:4] for k, v in got.items() if k[0] == "North"}
        assert north == {
            "activities_completed": (D(30), D(24), D(-20), "below"),
            "deals_won": (D(6), D(2), D("-66.67"), "far_below"),
            "won_amount": (D(2000), D(1300), D(-35), "far_below"),
            # 2 won of 4 closed; standards 50 and 50 averaged
            "win_rate": (D(50), D(50), D(0), "on_track"),
            # only Ann (west) has the cycle standard
            "avg_sales_cycle_days": (D(30), D("30.5"), D("1.67"), "on_track"),
            # Ann 3 of 5, Bob 1 of 1
            "planned_on_time_share": (D(80), D("66.67"), D("-16.67"), "below"),
            "follow_ups_on_time_share": (D(50), D(0), D(-100), "far_below"),
        }
        assert {k[1] for k in got if k[0] == "South"} == {
            "activities_completed",
            "won_amount",
            "win_rate",
            "avg_sales_cycle_days",
            "planned_on_time_share",
            "follow_ups_on_time_share",
        }

    def test_for_everyone_and_by_territory(self, world: World) -> None:
        everyone = world.report("everyone", trend=0)
        assert everyone[("everyone", "activities_completed")][:4] == (
            D(40),
            D(36),
            D(-10),
            "on_track",
        )
        west = world.report("territory", trend=0)
        # Ann and Cy: (41 + 20 + 5) / 3 days
        assert west[("west", "avg_sales_cycle_days")][:4] == (
            D(30),
            D(22),
            D("-26.67"),
            "above",
        )
        assert ("east", "avg_sales_cycle_days") not in west

    def test_thresholds_are_configurable(self, world: World) -> None:
        strict = Thresholds(above=D(50), below=D(5), far_below=D(20))
        got = world.report("rep", trend=0, thresholds=strict)
        assert got[("Ann", "activities_completed")][3] == "below"  # -10 %
        assert got[("Ann", "won_amount")][3] == "on_track"  # +30 %

    def test_a_standard_not_yet_in_force_applies_to_no_period(
        self, world: World
    ) -> None:
        september = world.report("rep", "2026-09", trend=0)
        assert ("Ann", "deals_won") not in september  # S3 from 1 October
        assert september[("Ann", "activities_completed")][:2] == (D(10), D(0))


class TestCorrectiveActionsBesideTheVariance:
    def test_actions_show_with_their_line_and_whether_it_recovered(
        self, world: World
    ) -> None:
        """Cy made no calls in October (far below) and 12 in November (above):
        recovered. Ann won nothing in October, 2 of 3 in November (far below):
        not. Bob's November calls: nothing after it yet."""
        ann, bob, cy = (world.id_of(name) for name in ("Ann", "Bob", "Cy"))
        kind = {"activity_kind": "call"}
        act(world, cy, "activities_completed", "2026-10", **kind)
        october = act(world, ann, "deals_won", "2026-10")
        act(world, bob, "activities_completed", "2026-11", **kind)
        act(world, bob, "activities_completed", "2026-09", **kind)  # too early
        world.do(
            "2026-11-25",
            corrective_actions.CloseCorrectiveAction(
                action_id=october,
                outcome="pipeline review",
                closed_on=day("2026-11-25"),
            ),
        )
        world.control.catch_up()
        world.actions.catch_up()
        with world.store.transaction() as cursor:
            lines = control_report(
                cursor,
                world.store.names(Control),
                period=parse("2026-11"),
                scope="rep",
                until=at("2026-12-05"),
                trend=1,
            )
            found = actions(
                cursor,
                world.store.names(CorrectiveActions),
                "rep",
                ["2026-10", "2026-11"],
            )
        beside = {
            (line.member_name, line.key[0]): [
                (a.period, a.status, a.outcome, recovered(line, a.period, Thresholds()))
                for a in found.get((line.member, line.key), [])
            ]
            for line in lines
        }
        assert {k: v for k, v in beside.items() if v} == {
            ("Cy", "activities_completed"): [("2026-10", "open", None, True)],
            ("Ann", "deals_won"): [("2026-10", "closed", "pipeline review", False)],
            ("Bob", "activities_completed"): [("2026-11", "open", None, None)],
        }


class TestOnTimeSharesOfAMonthStillRunning:
    def test_only_what_was_due_by_the_moment_asked_counts(self, world: World) -> None:
        """On 15 Nov, Ann's follow-up (due that day) is not late yet: 3 of 4;
        Cy's meeting is not due until the 28th: no data."""
        got = world.report("rep", until="2026-11-15T12:00", trend=0)
        assert got[("Ann", "planned_on_time_share")][:4] == (
            D(80),
            D(75),
            D("-6.25"),
            "on_track",
        )
        assert got[("Cy", "planned_on_time_share")][1] is None
        assert got[("Ann", "follow_ups_on_time_share")][1] is None


class TestTimeSpent:
    def test_minutes_per_rep_kind_and_purpose_in_november(self, world: World) -> None:
        """Calls 10 min each (Ann 18, Bob 6, Cy 12), meetings 30 min when
        planned (Ann 4 + the follow-up, Bob 1), 10 when logged (Cy 1), and
        Ann's one-hour task (internal)."""
        world.do(
            "2026-11-20",
            activities.LogActivity.model_validate(
                {"kind": "task", "purpose": "renewal", "owner_id": world.id_of("Ann")}
                | {"outcome": "completed", "duration_minutes": 60}
                | {"completed_at": at("2026-11-20T15:00")}
            ),
        )
        world.control.catch_up()

        def table(group_by: str) -> dict[Any, tuple[Any, ...]]:
            with world.store.transaction() as cursor:
                rows = time_spent(
                    cursor,
                    world.store.names(Control),
                    period=parse("2026-11"),
                    group_by=group_by,
                )
            rows.append(total(rows))
            return {
                world.names.get(UUID(r.group), r.group)
                if r.group and "-" in r.group
                else r.group: (
                    r.activities,
                    r.planned,
                    r.minutes,
                    r.internal_minutes,
                    None
                    if r.selling_share_pct is None
                    else round(r.selling_share_pct, 2),
                )
                for r in rows
            }

        assert table("rep") == {
            "Ann": (24, 5, 390, 60, D("84.62")),
            "Cy": (13, 0, 130, 0, D(100)),
            "Bob": (7, 1, 90, 0, D(100)),
            None: (44, 6, 610, 60, D("90.16")),
        }
        assert table("kind") == {
            "call": (36, 0, 360, 0, D(100)),
            "meeting": (7, 6, 190, 0, D(100)),
            "task": (1, 0, 60, 60, D(0)),
            None: (44, 6, 610, 60, D("90.16")),
        }
        assert list(table("purpose")) == ["demo", "renewal", None]
