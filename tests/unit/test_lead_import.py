"""Lead lists: rows validated one by one (bad rows reported and skipped,
good ones committed), an import resumed by running it again, the source
recorded on every lead, and the dedup hook."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, get_args
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import lead_import as imp
from commands.application import SalesApplication
from commands.base import Caller, Context, IdReused, exists
from commands.lead_csv import check_header, default_mapping, read_csv
from domain.base import RuleBroken, public_type
from domain.lead import Lead
from domain.lead_list import FIELDS, LeadList, lead_list_id_for, row_lead_id
from tests.unit.helpers import events_of, memory_app

CTX = Context(Caller("ops", frozenset({"admin"})))
CSV = """First Name,Last Name,E-mail,Company,Notes
Ada,Lovelace,ada@example.com,Analytical,x
Bob,,not-an-email,Bobco,
,,,,
Cy,Young,cy@example.com,,
"""


def listing(name: str = "Expo 2026", **source: Any) -> imp.RegisterLeadList:
    header, _ = read_csv(CSV)
    terms = source or {
        "kind": "purchased_list",
        "cost_per_lead": "1.20",
        "currency": "EUR",
    }
    return imp.RegisterLeadList.model_validate(
        {"name": name, "source": terms, "mapping": default_mapping(header)}
    )


def run_import(app: SalesApplication, text: str = CSV, **kw: Any) -> imp.Report:
    _, rows = read_csv(text)
    return imp.import_rows(app, CTX, kw.pop("cmd", listing()), rows, **kw)


class TestImportLeadList:
    def test_good_rows_land_bad_rows_are_reported(self) -> None:
        app = memory_app()
        report = run_import(app)
        assert (report.rows, report.imported, report.already_imported) == (4, 2, 0)
        assert [r["row"] for r in report.rejected] == [2, 3]
        (bad_email,) = report.rejected[0]["errors"]
        assert bad_email["field"] == "email"
        assert report.rejected[1]["errors"][0]["rule"] == "lead_needs_identity"
        lead: Any = app.repository.get(row_lead_id(report.list_id, 1))
        assert (lead.source, lead.list_name, lead.cost_per_lead, lead.currency) == (
            "purchased_list",
            "Expo 2026",
            Decimal("1.20"),
            "EUR",
        )
        found: Any = app.repository.get(report.list_id)
        assert (found.imported, sorted(found.rejected)) == (2, [2, 3])
        assert imp.total_cost(found) == Decimal("2.40")
        kinds = [public_type(type(e)) for e in events_of(app, report.list_id)]
        assert kinds == [
            "sfa.lead_list.registered.v1",
            "sfa.lead_list.rows_imported.v1",
        ]

    def test_running_again_records_nothing(self) -> None:
        app = memory_app()
        first = run_import(app)
        head = app.recorder.max_notification_id()
        again = run_import(app)
        assert (again.imported, again.already_imported, again.created) == (0, 2, False)
        assert [r["row"] for r in again.rejected] == [2, 3]
        assert app.recorder.max_notification_id() == head
        assert first.list_id == again.list_id == lead_list_id_for(" expo  2026")

    def test_a_fixed_row_lands_on_the_next_run(self) -> None:
        app = memory_app()
        report = run_import(app)
        fixed = CSV.replace("not-an-email", "bob@example.com").replace(
            ",Bobco", "Bob,Bobco"
        )
        again = run_import(app, fixed.replace("Bob,,", "Bob,Builder,"))
        assert (again.imported, [r["row"] for r in again.rejected]) == (1, [3])
        found: Any = app.repository.get(report.list_id)
        assert (found.imported, sorted(found.rejected)) == (3, [3])

    def test_other_terms_under_the_same_name_are_refused(self) -> None:
        app = memory_app()
        run_import(app)
        other = listing(kind="purchased_list", cost_per_lead="2", currency="EUR")
        with pytest.raises(IdReused):
            run_import(app, cmd=other)

    def test_related_product_customers(self) -> None:
        app = memory_app()
        cmd = listing(
            "Widget owners", kind="related_product_customer", product="Widget"
        )
        report = run_import(app, cmd=cmd)
        lead: Any = app.repository.get(row_lead_id(report.list_id, 4))
        assert (lead.source, lead.product, lead.list_name) == (
            "related_product_customer",
            "Widget",
            None,
        )

    def test_duplicates_are_flagged_through_the_hook(self) -> None:
        app = memory_app()

        def same_email(lead: Lead) -> list[Any]:
            return [uuid4()] if lead.email == "cy@example.com" else []

        app.lead_duplicates = same_email
        report = run_import(app)
        assert [d["row"] for d in report.possible_duplicates] == [4]
        assert report.imported == 2  # flagged, imported all the same


class TestCsvAndMapping:
    def test_a_mapped_column_must_exist(self) -> None:
        with pytest.raises(RuleBroken) as refused:
            check_header(["a"], {"email": "email"})
        assert refused.value.rule == "mapping_column_missing"

    def test_the_field_list_matches_the_domain(self) -> None:
        assert set(get_args(imp.LeadField)) == set(FIELDS)

    def test_a_mapping_needs_known_distinct_fields(self) -> None:
        for mapping, rule in [
            ({}, "mapping_empty"),
            ({"a": "email", "b": "email"}, "mapping_field_twice"),
        ]:
            with pytest.raises(RuleBroken) as refused:
                LeadList.register(
                    "L",
                    "purchased_list",
                    mapping,
                    cost_per_lead=Decimal(1),
                    currency="EUR",
                )
            assert refused.value.rule == rule


ROW = st.fixed_dictionaries(
    {
        "First Name": st.sampled_from(["Ann", ""]),
        "Last Name": st.sampled_from(["Lee", ""]),
        "E-mail": st.sampled_from(["a@example.com", "bad", ""]),
        "Company": st.sampled_from(["Acme", ""]),
    }
)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(ROW, max_size=30), cut=st.integers(0, 30), chunk=st.integers(1, 7))
def test_an_interrupted_import_resumed_equals_one_run(
    rows: list[dict[str, str]], cut: int, chunk: int
) -> None:
    """Given any rows, importing the first ``cut`` (a crash) then all of
    them gives the same leads and the same rejected rows as one run."""
    imp_chunk, imp.CHUNK = imp.CHUNK, chunk
    try:
        whole, resumed = memory_app(), memory_app()
        one = imp.import_rows(whole, CTX, listing(), iter(rows))
        imp.import_rows(resumed, CTX, listing(), iter(rows[:cut]))
        two = imp.import_rows(resumed, CTX, listing(), iter(rows))
    finally:
        imp.CHUNK = imp_chunk
    a: Any = whole.repository.get(one.list_id)
    b: Any = resumed.repository.get(two.list_id)
    assert (a.imported, a.rejected) == (b.imported, b.rejected)
    assert one.imported == two.imported + two.already_imported
    for n in range(1, len(rows) + 1):
        lead_id = row_lead_id(one.list_id, n)
        landed = [exists(app, lead_id) is not None for app in (whole, resumed)]
        assert landed == [n not in a.rejected] * 2
