"""The lists view on the SQLite store: rows that follow their records,
filters, sorting, cursor paging under ties, search, and a rebuild that
equals the live view."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.schemas import lists as schemas
from commands import accounts, activities, contacts, leads, opportunities, pipelines
from commands.lead_conversion import ConvertLead, convert_lead
from commands.opportunities import OpenOpportunity, open_opportunity
from infra.view_store import SQLiteViewStore
from projections.lists import Lists
from projections.lists_query import FILTERS, SORTS, Page, select_page
from projections.lists_rows import COLUMNS, KEYS, derived, values_of
from projections.runner import Runner
from tests.unit.helpers import memory_app, registered_rep, run
from tests.view_rows import view_rows

SOON = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


class World:
    """An engine with the default pipeline, one rep, and the lists view."""

    def __init__(self, path: Path) -> None:
        self.app = memory_app()
        pipelines.ensure_default_pipeline(self.app)
        self.rep = registered_rep(self.app)
        self.store = SQLiteViewStore(path / "views.db")
        self.runner = Runner(Lists(), self.store, self.app)

    def id(self, handler: Any, command: Any) -> UUID:
        return UUID(str(run(self.app, handler, command).aggregate.id))

    def account(self, name: str = "Acme", **fields: Any) -> UUID:
        command = accounts.OpenAccount(name=name, **fields)
        return self.id(accounts.open_account, command)

    def contact(self, given: str = "Ada", family: str = "Lovelace", **f: Any) -> UUID:
        command = contacts.RegisterContact(given_name=given, family_name=family, **f)
        return self.id(contacts.register_contact, command)

    def call(self, contact_id: UUID | None = None, **fields: Any) -> UUID:
        values: dict[str, Any] = {
            "kind": "call",
            "purpose": "demo",
            "scheduled_at": SOON,
        }
        values |= fields
        command = activities.PlanActivity(contact_id=contact_id, **values)
        return self.id(activities.plan_activity, command)

    def deal(self, account_id: UUID, name: str = "Fleet", **fields: Any) -> UUID:
        values = {"amount": "100", "currency": "EUR"} | fields
        values.setdefault("expected_close_date", date(2030, 3, 31))
        command = OpenOpportunity(account_id=account_id, name=name, **values)
        return self.id(open_opportunity, command)

    def lead(self, **fields: Any) -> UUID:
        command = leads.CaptureLead.model_validate(
            {"source": {"kind": "web"}, **fields}
        )
        return self.id(leads.capture_lead, command)

    def page(self, table: str, sort: str | None = None, **query: Any) -> Page:
        self.runner.catch_up()
        sort = sort or SORTS[table][0]
        with self.store.transaction() as cursor:
            tables = self.store.names(Lists)
            return select_page(cursor, tables, table, sort=sort, **query)

    def rows(self, table: str, **query: Any) -> list[dict[str, Any]]:
        return self.page(table, limit=500, **query).rows

    def ids(self, table: str, **query: Any) -> list[str]:
        return [str(row[KEYS[table]]) for row in self.rows(table, **query)]


def logged(contact_id: UUID) -> activities.LogActivity:
    """An activity that happened without being planned (no schedule)."""
    return activities.LogActivity(
        kind="call",
        purpose="demo",
        contact_id=contact_id,
        outcome="connected",
        duration_minutes=3,
    )


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


class TestListsProjection:
    def test_rows_follow_their_records_and_their_account(self, world: World) -> None:
        account = world.account("Acme", territory="north")
        contact = world.contact("Ada", "Lovelace", account_id=account)
        call = world.call(contact)
        deal = world.deal(account)
        change = accounts.ChangeAccountDetails(account_id=account, name="Acme AG")
        run(world.app, accounts.change_account_details, change)
        move = accounts.MoveAccountTerritory(account_id=account, territory="south")
        run(world.app, accounts.move_account_territory, move)
        rename = contacts.ChangeContactDetails(contact_id=contact, given_name="Augusta")
        run(world.app, contacts.change_contact_details, rename)
        win = opportunities.WinOpportunity(opportunity_id=deal)
        run(world.app, opportunities.win_opportunity, win)

        (person,) = world.rows("contacts")
        assert (person["company"], person["territory"]) == ("Acme AG", "south")
        assert (person["given_name"], person["version"]) == ("Augusta", 2)
        (activity,) = world.rows("activities")
        assert activity["contact_name"] == "Augusta Lovelace"
        assert (activity["account_id"], activity["company"]) == (
            str(account),
            "Acme AG",
        )
        (won,) = world.rows("opportunities")
        assert (won["status"], won["probability"], won["territory"]) == (
            "won",
            100,
            "south",
        )
        assert world.ids("activities", search="augusta acme") == [str(call)]

    def test_a_lead_moves_through_its_statuses_to_converted(self, world: World) -> None:
        lead = world.lead(given_name="Bo", family_name="Li", company_name="Initech")
        run(world.app, leads.qualify_lead, leads.QualifyLead(lead_id=lead))
        assert world.rows("leads")[0]["status"] == "qualified"
        run(world.app, convert_lead, ConvertLead(lead_id=lead))
        (row,) = world.rows("leads")
        assert row["status"] == "converted" and row["contact_id"] is not None
        (contact,) = world.rows("contacts")
        assert (contact["family_name"], contact["company"]) == ("Li", "Initech")

    def test_each_event_is_applied_once(self, world: World) -> None:
        world.contact()
        Runner(Lists(), world.store, world.app, batch_size=1).catch_up()
        world.contact("Bea")
        assert len(world.rows("contacts")) == 2
        assert world.store.position("lists") == world.app.recorder.max_notification_id()


class TestFilters:
    def test_owner_territory_status_stage_and_close_dates(self, world: World) -> None:
        north = world.account("North", territory="north", owner_id=world.rep)
        south = world.account("South", territory="south", status="active_customer")
        early = world.deal(north, expected_close_date=date(2030, 1, 15))
        late = world.deal(south, stage="proposal", owner_id=world.rep)
        assert world.ids("accounts", owner_id=world.rep) == [str(north)]
        assert world.ids("accounts", status="active_customer") == [str(south)]
        assert world.ids("opportunities", territory="north") == [str(early)]
        assert world.ids("opportunities", stage="proposal") == [str(late)]
        assert world.ids("opportunities", closes_until=date(2030, 2, 1)) == [str(early)]
        assert world.ids("opportunities", closes_since=date(2030, 2, 1)) == [str(late)]

    def test_activity_kind_purpose_and_schedule_in_any_time_zone(
        self, world: World
    ) -> None:
        contact = world.contact()
        demo = world.call(contact)
        visit = world.call(
            contact, kind="visit", purpose="renewal", scheduled_at=SOON + timedelta(1)
        )
        assert world.ids("activities", kind="visit") == [str(visit)]
        assert world.ids("activities", purpose="demo") == [str(demo)]
        # 08:30 at UTC-1 is 09:30 UTC; as text it would sort before 09:00 UTC
        until = datetime(2030, 1, 7, 8, 30, tzinfo=timezone(timedelta(hours=-1)))
        assert world.ids("activities", scheduled_until=until) == [str(demo)]
        assert world.ids("activities", scheduled_since=until) == [str(visit)]

    def test_created_range_and_consent(self, world: World) -> None:
        first = world.contact("A")
        middle = datetime.now(UTC)
        second = world.contact("B", do_not_contact=False)
        assert world.ids("contacts", created_until=middle) == [str(first)]
        assert world.ids("contacts", created_since=middle) == [str(second)]
        assert len(world.ids("contacts", do_not_contact=False)) == 2


class TestSorting:
    def test_by_name_amount_and_descending(self, world: World) -> None:
        for family in ("zed", "Adams", "müller"):
            world.contact("X", family)
        names = [row["family_name"] for row in world.rows("contacts")]
        assert names == ["Adams", "müller", "zed"]
        desc = [row["family_name"] for row in world.rows("contacts", sort="-name")]
        assert desc == ["zed", "müller", "Adams"]
        account = world.account()
        for amount in ("100.5", "99", "1000"):
            world.deal(account, amount=amount)
        amounts = [row["amount"] for row in world.rows("opportunities", sort="-amount")]
        assert [Decimal(str(a)) for a in amounts] == [1000, Decimal("100.5"), 99]

    def test_unscheduled_activities_come_last_both_ways(self, world: World) -> None:
        contact = world.contact()
        unplanned = world.id(activities.log_activity, logged(contact))
        soon = world.call(contact)
        later = world.call(contact, scheduled_at=SOON + timedelta(hours=1))
        for sort in ("scheduled_at", "-scheduled_at"):
            assert world.ids("activities", sort=sort)[-1] == str(unplanned)
        assert {soon, later} <= {UUID(i) for i in world.ids("activities")}


def walk(world: World, table: str, sort: str, limit: int, **query: Any) -> list[str]:
    """Every id of a list, page by page through encoded cursors."""
    seen: list[str] = []
    after = None
    while True:
        page = world.page(table, sort, limit=limit, after=after, **query)
        seen += [str(row[KEYS[table]]) for row in page.rows]
        if page.after is None:
            return seen
        after = schemas.decode_cursor(schemas.encode_cursor(sort, page.after), sort)


class TestPaging:
    @pytest.mark.parametrize("sort", ["name", "-name", "amount", "-created_at"])
    @pytest.mark.parametrize("limit", [1, 3, 7])
    def test_no_row_is_skipped_or_repeated_under_ties(
        self, world: World, sort: str, limit: int
    ) -> None:
        account = world.account()
        for n in range(11):
            world.deal(account, name="Same" if n % 3 else "Other", amount=str(n % 2))
        everything = world.ids("opportunities", sort=sort)
        assert walk(world, "opportunities", sort, limit) == everything
        assert len(set(everything)) == 11

    @pytest.mark.parametrize("sort", ["scheduled_at", "-scheduled_at"])
    def test_pages_through_nulls_and_ties(self, world: World, sort: str) -> None:
        contact = world.contact()
        for n in range(7):
            if n % 3 == 0:
                world.id(activities.log_activity, logged(contact))
            else:
                world.call(contact, scheduled_at=SOON + timedelta(days=n % 2))
        everything = world.ids("activities", sort=sort)
        assert walk(world, "activities", sort, 2) == everything
        assert len(set(everything)) == 7

    def test_filters_and_search_hold_on_every_page(self, world: World) -> None:
        for n in range(9):
            world.contact("Ada" if n % 2 else "Bob", f"L{n}")
        assert len(walk(world, "contacts", "name", 2, search="ada")) == 4


class TestSearch:
    def test_names_emails_phones_and_company_case_folded(self, world: World) -> None:
        acme = world.account("Äcme Straße", web_domain="acme.example")
        ada = world.contact(
            "Jürgen",
            "MÜLLER",
            emails=("JM@Acme.example",),
            phones=("+49 30 1234567",),
            account_id=acme,
        )
        world.contact("Other", "Person")
        for words in ("müller", "jürgen MüLL", "jm@acme", "+4930123", "äcme strasse"):
            assert world.ids("contacts", search=words) == [str(ada)], words
        assert world.ids("contacts", search="müller nobody") == []
        assert world.ids("accounts", search="ACME.EX") == [str(acme)]

    def test_wildcards_are_literal(self, world: World) -> None:
        world.contact("A", "B", emails=("a_b@x.example",))
        world.contact("A", "C", emails=("aXb@x.example",))
        assert len(world.ids("contacts", search="a_b")) == 1
        assert world.ids("contacts", search="%") == []

    def test_leads_by_company_and_opportunities_by_account(self, world: World) -> None:
        lead = world.lead(company_name="Initech", email="bob@initech.example")
        assert world.ids("leads", search="initech bob") == [str(lead)]
        deal = world.deal(world.account("Globex"), name="Renewal")
        assert world.ids("opportunities", search="globex renewal") == [str(deal)]


class TestCursors:
    @pytest.mark.parametrize(
        "cursor",
        ["", "!!!", "bm90IGpzb24", schemas.encode_cursor("name", ("a", "not-a-uuid"))],
    )
    def test_garbage_is_refused(self, cursor: str) -> None:
        with pytest.raises(ValueError):
            schemas.decode_cursor(cursor, "name")

    def test_a_cursor_fits_its_sort_and_value_type(self) -> None:
        some_id = "0a0a0a0a-0000-4000-8000-000000000001"
        cursor = schemas.encode_cursor("created_at", ("yesterday", some_id))
        with pytest.raises(ValueError):
            schemas.decode_cursor(cursor, "created_at")
        good = schemas.encode_cursor("-amount", (Decimal("1.5"), some_id))
        assert schemas.decode_cursor(good, "-amount") == (Decimal("1.5"), UUID(some_id))
        with pytest.raises(ValueError):
            schemas.decode_cursor(good, "amount")

    @pytest.mark.parametrize(
        ("sort", "value"),
        [
            *[("name", "a\x00"), ("name", 5), ("score", 10**30), ("score", 1.5)],
            *[("amount", "1e999999"), ("amount", "NaN"), ("score", True)],
        ],
    )
    def test_values_the_stores_cannot_compare_are_refused(
        self, sort: str, value: Any
    ) -> None:
        cursor = schemas.encode_cursor(sort, (value, UUID(int=1)))
        with pytest.raises(ValueError):
            schemas.decode_cursor(cursor, sort)


QUERIES = {
    "accounts": schemas.AccountQuery,
    "contacts": schemas.ContactQuery,
    "leads": schemas.LeadQuery,
    "opportunities": schemas.OpportunityQuery,
    "activities": schemas.ActivityQuery,
}


@pytest.mark.parametrize("table", list(QUERIES))
def test_the_api_offers_exactly_the_views_sorts_and_filters(table: str) -> None:
    query = QUERIES[table]
    sort_type = typing.get_type_hints(query, include_extras=True)["sort"]
    offered = set(_literal_values(sort_type))
    assert offered == {p + s for s in SORTS[table] for p in ("", "-")}
    fields = {f.name for f in dataclasses.fields(query)} - schemas.PAGING
    assert fields == set(FILTERS[table])


def _literal_values(hint: Any) -> list[str]:
    if typing.get_origin(hint) is typing.Annotated:
        return _literal_values(typing.get_args(hint)[0])
    found: list[str] = []
    for arg in typing.get_args(hint):
        found += [arg] if isinstance(arg, str) else _literal_values(arg)
    return found


STEPS = st.lists(
    st.sampled_from(
        [
            *("account", "contact", "move", "rename", "name", "territory"),
            *("call", "complete", "cancel", "deal", "win", "stage"),
            *("lead", "qualify", "catch_up"),
        ]
    ),
    min_size=1,
    max_size=25,
)


def random_step(world: World, step: str, made: dict[str, list[UUID]]) -> None:
    """One command of ``step``'s kind on the records made so far."""
    last = {k: v[-1] for k, v in made.items() if v}
    app, n = world.app, len(made["account"])
    if step == "account" or "account" not in last:
        made["account"].append(world.account(f"A{n}", territory=f"t{n % 2}"))
    elif step == "contact" or "contact" not in last:
        made["contact"].append(world.contact(f"C{n}", account_id=last["account"]))
    elif step == "move":
        change = contacts.ChangeContactDetails(
            contact_id=last["contact"], account_id=made["account"][0]
        )
        run(app, contacts.change_contact_details, change)
    elif step == "rename":
        change = contacts.ChangeContactDetails(
            contact_id=made["contact"][0], family_name=f"R{n}"
        )
        run(app, contacts.change_contact_details, change)
    elif step == "name":
        renamed = accounts.ChangeAccountDetails(
            account_id=made["account"][0], name=f"N{len(made['contact'])}"
        )
        run(app, accounts.change_account_details, renamed)
    elif step == "territory":
        move = accounts.MoveAccountTerritory(
            account_id=made["account"][0], territory=f"t{len(made['call'])}"
        )
        run(app, accounts.move_account_territory, move)
    else:
        more_steps(world, step, made, last)


def more_steps(
    world: World, step: str, made: dict[str, list[UUID]], last: dict[str, UUID]
) -> None:
    app = world.app
    if step == "call" or (step in ("complete", "cancel") and not made["call"]):
        made["call"].append(world.call(last["contact"]))
    elif step == "complete":
        done = activities.CompleteActivity(
            activity_id=made["call"].pop(), outcome="no_answer", duration_minutes=1
        )
        run(app, activities.complete_activity, done)
    elif step == "cancel":
        cancel = activities.CancelActivity(activity_id=made["call"].pop(), reason="x")
        run(app, activities.cancel_activity, cancel)
    elif step == "deal" or (step in ("win", "stage") and not made["deal"]):
        made["deal"].append(world.deal(last["account"]))
    elif step == "win":
        win = opportunities.WinOpportunity(opportunity_id=made["deal"].pop())
        run(app, opportunities.win_opportunity, win)
    elif step == "stage":
        advance = opportunities.AdvanceStage(
            opportunity_id=last["deal"], stage="proposal"
        )
        run(app, opportunities.advance_stage, advance)
    elif step == "lead":
        made["lead"].append(world.lead(family_name="L", company_name="Co"))
    elif step == "qualify" and made["lead"]:
        run(app, leads.qualify_lead, leads.QualifyLead(lead_id=made["lead"].pop()))
    elif step == "catch_up":
        world.runner.catch_up()


def everything(world: World) -> dict[str, list[Any]]:
    return view_rows(world.store, Lists, "1")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS, batch=st.integers(1, 7))
def test_rebuilt_view_equals_the_live_one(
    tmp_path_factory: Any, steps: list[str], batch: int
) -> None:
    """Given random commands with the live view catching up at random moments
    in random batch sizes, a rebuild from zero gives the same rows, and each
    row has its record's version."""
    world = World(tmp_path_factory.mktemp("lists"))
    world.runner = Runner(Lists(), world.store, world.app, batch_size=batch)
    made: dict[str, list[UUID]] = {k: [] for k in ("account", "contact")}
    made |= {k: [] for k in ("call", "deal", "lead")}
    for step in steps:
        random_step(world, step, made)
    world.runner.catch_up()
    before = everything(world)

    Runner(Lists(), world.store, world.app, shadow=True, batch_size=3).catch_up()
    world.store.swap(Lists)

    assert everything(world) == before
    for table, rows in before.items():
        for row in rows:
            assert row[1] == world.app.repository.get(UUID(row[0])).version, table
    agrees_with_the_records(world)


def agrees_with_the_records(world: World) -> None:
    """What rows show of other records is those records as they are now."""
    get = world.app.repository.get
    for table in ("contacts", "opportunities", "activities"):
        for row in world.rows(table):
            account = get(UUID(row["account_id"])) if row["account_id"] else None
            expected = (account.name, account.territory) if account else (None, None)
            assert (row["company"], row["territory"]) == expected, table
    for row in world.rows("activities"):
        person: Any = get(UUID(row["contact_id"]))
        assert row["contact_name"] == f"{person.given_name} {person.family_name}"


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS)
def test_rows_from_the_batch_cache_equal_rows_read_event_by_event(
    tmp_path_factory: Any, steps: list[str]
) -> None:
    """Everything in one batch (values served from the batch's cache) gives
    the rows a rebuild one event per batch gives, and each row's
    ``search_text`` and ``sort_name`` are those of its own columns."""
    world = World(tmp_path_factory.mktemp("lists"))
    made: dict[str, list[UUID]] = {k: [] for k in ("account", "contact")}
    made |= {k: [] for k in ("call", "deal", "lead")}
    for step in (s for s in steps if s != "catch_up"):
        random_step(world, step, made)
    Runner(Lists(), world.store, world.app, batch_size=10_000).catch_up()
    before = everything(world)

    Runner(Lists(), world.store, world.app, shadow=True, batch_size=1).catch_up()
    world.store.swap(Lists)

    assert everything(world) == before
    for table, rows in before.items():
        for values in rows:
            row = dict(zip(COLUMNS[table], values, strict=True))
            assert {k: row[k] for k in ("search_text", "sort_name") if k in row} == (
                derived(table, row)
            ), table


class _Changed:
    """An event of no special kind: its fields only."""

    def __init__(self, **fields: Any) -> None:
        vars(self).update(fields)


def test_values_of_takes_the_columns_an_event_names_in_its_order() -> None:
    """Given an event's fields, the row's values are the table's columns among
    them, in the event's order, never the key; a lead's ``company_name`` is its
    ``company`` and a ``new`` dict sets each of its keys."""
    plain = _Changed(title="CTO", contact_id=UUID(int=1), actor="rep", department="x")
    assert list(values_of("contacts", plain).items()) == [
        ("title", "CTO"),
        ("department", "x"),
    ]
    renamed = _Changed(company_name="Acme", email="a@b.c", lead_id=UUID(int=2))
    assert values_of("leads", renamed) == {"company": "Acme", "email": "a@b.c"}
    new = _Changed(new={"purpose": "demo", "kind": "call"}, timestamp=None)
    assert values_of("activities", new) == {"purpose": "demo", "kind": "call"}
