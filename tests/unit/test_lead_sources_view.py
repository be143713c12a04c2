"""The lead-sources view and its report on the SQLite store: random lead,
conversion and deal steps, with the live view catching up at random
moments, give the same rows as a rebuild and the figures a plain model of
the leads gives."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import leads as ld
from commands import opportunities as opp
from commands.lead_conversion import ConvertLead, convert_lead
from commands.pipelines import ensure_default_pipeline
from domain.base import RuleBroken
from infra.view_store import SQLiteViewStore
from projections.lead_sources import LeadSources
from projections.lead_sources_query import lead_sources
from projections.runner import Runner
from tests.unit.helpers import memory_app, run
from tests.view_rows import view_rows

STEPS = st.lists(
    st.sampled_from(["bought", "web", "qualify", "convert", "win", "lose", "reopen",
                     "catch_up"]),
    max_size=25,
)  # fmt: skip
BOUGHT = {"kind": "purchased_list", "list_name": "Expo", "cost_per_lead": "0.35",
          "currency": "EUR"}  # fmt: skip


def tables(store: SQLiteViewStore) -> dict[str, list[Any]]:
    return view_rows(store, LeadSources, "1")


def step(app: Any, kind: str, leads: list[UUID], deals: list[UUID]) -> None:
    n = len(leads) + len(deals)
    if kind in ("bought", "web"):
        source = BOUGHT if kind == "bought" else {"kind": "web"}
        body = {"source": source, "given_name": "A", "family_name": f"L{n}",
                "company_name": f"Co{n}"}  # fmt: skip
        lead = run(app, ld.capture_lead, ld.CaptureLead.model_validate(body))
        leads.append(lead.aggregate.id)
        return
    commands: dict[str, tuple[Any, Any]] = {}
    if leads:
        lead_id = leads[n % len(leads)]
        commands["qualify"] = (ld.qualify_lead, ld.QualifyLead(lead_id=lead_id))
        convert = ConvertLead.model_validate(
            {"lead_id": lead_id, "create_opportunity": True, "amount": f"{n}.5",
             "currency": "EUR", "expected_close_date": "2030-01-01"}
        )  # fmt: skip
        commands["convert"] = (convert_lead, convert)
    if deals:
        deal_id = deals[n % len(deals)]
        commands["win"] = (
            opp.win_opportunity,
            opp.WinOpportunity(opportunity_id=deal_id),
        )
        commands["lose"] = (
            opp.lose_opportunity,
            opp.LoseOpportunity(opportunity_id=deal_id, reason="price"),
        )
        commands["reopen"] = (
            opp.reopen_opportunity,
            opp.ReopenOpportunity(opportunity_id=deal_id),
        )
    if kind in commands:
        handler, command = commands[kind]
        with contextlib.suppress(RuleBroken):
            outcome = run(app, handler, command)
            if kind == "convert":
                deals.append(outcome.aggregate.opportunity_id)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS, batch=st.integers(1, 7))
def test_rebuild_equals_live_and_figures_match_the_leads(
    tmp_path_factory: Any, steps: list[str], batch: int
) -> None:
    app = memory_app()
    ensure_default_pipeline(app)
    store = SQLiteViewStore(Path(tmp_path_factory.mktemp("sources")) / "v.db")
    live = Runner(LeadSources(), store, app, batch_size=batch)
    leads: list[UUID] = []
    deals: list[UUID] = []
    for kind in steps:
        if kind == "catch_up":
            live.catch_up()
        else:
            step(app, kind, leads, deals)
    live.catch_up()
    before = tables(store)
    Runner(LeadSources(), store, app, shadow=True, batch_size=3).catch_up()
    store.swap(LeadSources)
    assert tables(store) == before
    with store.transaction() as cursor:
        rows = {r["source"]: r for r in lead_sources(cursor, store.names(LeadSources))}
    found: list[Any] = [app.repository.get(i) for i in leads]
    for source in ("purchased_list", "web"):
        mine = [lead for lead in found if lead.source == source]
        won: list[Any] = [
            app.repository.get(lead.opportunity_id)
            for lead in mine
            if lead.opportunity_id is not None
        ]
        won = [d for d in won if d.status == "won"]
        if not mine:
            assert source not in rows
            continue
        row = rows[source]
        cost = sum((lead.cost_per_lead or Decimal(0) for lead in mine), Decimal(0))
        assert (row["leads"], row["converted"], row["won_deals"], row["cost"]) == (
            len(mine),
            sum(lead.status == "converted" for lead in mine),
            len(won),
            cost,
        )
        assert row["won"] == ({"EUR": sum(d.amount for d in won)} if won else {})
