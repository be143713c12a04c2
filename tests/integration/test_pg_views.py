"""Views on PostgreSQL: batches with their position in one transaction,
concurrent runners applying each event once, and an atomic rebuild."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID, uuid4

import psycopg2
import pytest
from eventsourcing.persistence import IntegrityError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import contacts
from commands.application import SalesApplication
from domain.contact import Contact
from infra.pg_copy import CopyCursor
from infra.pg_datastore import PgDatastore
from infra.projection_host import ProjectionHost
from infra.settings import Settings
from infra.view_store import PgViewStore
from projections.batch import COPY_MIN
from projections.contact_history import ContactHistory
from projections.events import events_of
from projections.runner import Runner
from projections.view import Batch, Step, handles
from tests.services import admin_cursor, drop_schema
from tests.unit.helpers import run

SCHEMA = "sfa_test_views"
VIEWS = "sfa_test_projections"
APP_NAME = "sfa-test-views"  # only this test's connections are ever terminated


@pytest.fixture
def engine(postgres_url: str) -> Iterator[tuple[SalesApplication, PgViewStore]]:
    for schema in (SCHEMA, VIEWS):
        drop_schema(postgres_url, schema)
    env = {**Settings(database_url=postgres_url).persistence_env()}
    app = SalesApplication(env={**env, "SFA_DB_SCHEMA": SCHEMA})
    datastore = PgDatastore(postgres_url, schema=VIEWS, application_name=APP_NAME)
    yield app, PgViewStore(datastore, schema=VIEWS)
    datastore.close()
    app.close()


def register(app: SalesApplication, n: int) -> UUID:
    command = contacts.RegisterContact(given_name="Ada", family_name=f"L{n}")
    return UUID(str(run(app, contacts.register_contact, command).aggregate.id))


def entries(store: PgViewStore) -> list[Any]:
    with store.transaction() as cursor:
        cursor.execute(
            "SELECT position, contact_id, event_type FROM"
            f" {store.qualified('contact_history_entries')} ORDER BY position"
        )
        return list(cursor.fetchall())


class TestPgViews:
    def test_concurrent_runners_apply_each_event_once(
        self, engine: tuple[SalesApplication, PgViewStore]
    ) -> None:
        app, store = engine
        for n in range(60):
            register(app, n)
        runners = [Runner(ContactHistory(), store, app, batch_size=7) for _ in range(4)]
        errors: list[BaseException] = []

        def catch_up(runner: Runner) -> None:
            try:
                runner.catch_up()
            except BaseException as e:  # a duplicate apply would land here
                errors.append(e)

        threads = [threading.Thread(target=catch_up, args=(r,)) for r in runners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert [row[0] for row in entries(store)] == list(range(1, 61))
        assert store.position("contact_history") == 60

    def test_rebuild_swaps_in_the_same_rows(
        self, engine: tuple[SalesApplication, PgViewStore]
    ) -> None:
        app, store = engine
        for n in range(25):
            register(app, n)
        Runner(ContactHistory(), store, app, batch_size=4).catch_up()
        before = entries(store)
        seen: list[tuple[int, int]] = []
        rebuild = Runner(ContactHistory(), store, app, shadow=True, batch_size=10)
        rebuild.catch_up(progress=lambda done, total: seen.append((done, total)))
        assert entries(store) == before  # readers still see the live view
        store.swap(ContactHistory)
        assert entries(store) == before
        assert seen[-1] == (25, 25)
        assert store.position("contact_history") == 25
        assert store.position("contact_history__rebuild") == 0


def test_catch_up_survives_a_lost_connection(
    postgres_url: str, engine: tuple[SalesApplication, PgViewStore]
) -> None:
    """Given a view store whose connections are killed once, catch-up still
    reaches the head (the failed batch rolled back and ran again)."""
    app, store = engine
    for n in range(30):
        register(app, n)
    runner = Runner(ContactHistory(), store, app, batch_size=5)
    runner.step()
    with admin_cursor(postgres_url) as curs:
        curs.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s AND pid <> pg_backend_pid()",
            (APP_NAME,),
        )
    assert runner.catch_up() > 0
    assert store.position("contact_history") == 30
    assert [row[0] for row in entries(store)] == list(range(1, 31))


def test_buffered_writes_go_in_one_round_trip_with_the_next_read(
    engine: tuple[SalesApplication, PgViewStore],
) -> None:
    """Given writes with quotes and ``%`` in their values, they reach the
    table in order, sent with the read that follows (one ``execute``)."""
    _, store = engine
    table = store.qualified("batch_probe")
    with store.transaction() as cursor:
        cursor.execute(f"CREATE TABLE {table} (k INTEGER PRIMARY KEY, v TEXT)")
        counted = Counting(cursor)
        step = Step(counted, Probe(table), 1, Batch(counted))
        step.execute("INSERT INTO {p} VALUES (%s, %s)", 1, "it's 100 %s %")
        step.execute("UPDATE {p} SET v = v || %s WHERE k = %s", "; 'x'", 1)
        step.execute("INSERT INTO {p} VALUES (%s, %s)", 2, "%(a)s")
        row = step.one("SELECT string_agg(v, '|' ORDER BY k) FROM {p}")
        assert counted.calls == 1
        assert row == ("it's 100 %s %; 'x'|%(a)s",)
        cursor.execute(f"DROP TABLE {table}")


def test_inserts_merged_into_one_statement_keep_one_by_one_semantics(
    engine: tuple[SalesApplication, PgViewStore],
) -> None:
    """Given single-row inserts of one statement (a key repeated under
    ``DO NOTHING``) interleaved with upserts of another table, the tables end
    as one by one: the first of equal keys kept, the last upsert winning; and
    ``preload`` finds the rows by UUID."""
    _, store = engine
    first, second = store.qualified("merge_a"), store.qualified("merge_b")
    keys = [UUID(int=n) for n in range(3)]
    with store.transaction() as cursor:
        cursor.execute(f"CREATE TABLE {first} (k UUID PRIMARY KEY, v TEXT)")
        cursor.execute(f"CREATE TABLE {second} (k INTEGER PRIMARY KEY, v TEXT)")
        counted = Counting(cursor)
        step = Step(counted, Both(first, second), 1, Batch(counted))
        for n, key in enumerate([*keys, keys[0]]):
            step.execute(
                "INSERT INTO {a} VALUES (%s, %s) ON CONFLICT (k) DO NOTHING", key, n
            )
            step.execute(
                "INSERT INTO {b} VALUES (1, %s) ON CONFLICT (k)"
                " DO UPDATE SET v = excluded.v",
                f"upsert {n}",
            )
        step.preload("a", "SELECT k, v FROM {a} WHERE k IN (%s)", [*keys, UUID(int=9)])
        assert counted.calls == 1  # the writes rode along with the preload
        assert [step.cached(("a", key)) for key in keys] == [("0",), ("1",), ("2",)]
        assert step.lookup(("a", UUID(int=9)), "SELECT 1") is None
        assert step.one("SELECT v FROM {b}") == ("upsert 3",)
        cursor.execute(f"DROP TABLE {first}, {second}")


def test_a_long_run_of_plain_inserts_is_copied_as_inserted(
    engine: tuple[SalesApplication, PgViewStore],
) -> None:
    """Given enough plain inserts to go by ``COPY``, with every kind of value
    a view writes (text with tabs, newlines and backslashes, ``None``; a
    column of one type, of several, or of nulls only), the table holds what
    the same inserts one by one give."""
    _, store = engine
    copied, inserted = store.qualified("copy_a"), store.qualified("copy_b")
    columns = (
        "k INTEGER PRIMARY KEY, t TEXT, u UUID, at TIMESTAMPTZ, d DATE,"
        " n NUMERIC, b BOOLEAN, f DOUBLE PRECISION, p TEXT, x TEXT, z TEXT,"
        " w TEXT"
    )
    rows = [
        (
            n,
            ["plain", "tab\there", "line\nbreak\r", "back\\slash \\N", None][n % 5],
            UUID(int=n) if n % 3 else None,
            datetime(2026, 1, 2, 3, 4, 5, n, tzinfo=UTC) if n % 4 else None,
            date(2026, 1, 1 + n % 28),
            Decimal("12.50") * n,
            n % 2 == 0,
            n / 3,
            f"plain {n}",
            [UUID(int=n), n, "text", None][n % 4],
            None,
            UUID(int=n + 1),  # UUIDs in a TEXT column: their usual text
        )
        for n in range(COPY_MIN + 5)
    ]
    insert = (
        "INSERT INTO {a} (k, t, u, at, d, n, b, f, p, x, z, w) VALUES (%s"
        + ", %s" * 11
        + ")"
    )
    with store.transaction() as cursor:
        for table in (copied, inserted):
            cursor.execute(f"CREATE TABLE {table} ({columns})")
        copies: list[int] = []
        copy_rows = cursor.copy_rows  # type: ignore[attr-defined]

        def counted(table: str, columns: str, rows: Any) -> bool:
            copies.append(len(rows))
            return bool(copy_rows(table, columns, rows))

        cursor.copy_rows = counted  # type: ignore[attr-defined]
        batch = Batch(cursor)
        for row in rows:
            Step(cursor, Both(copied, ""), 1, batch).execute(insert, *row)
        batch.flush()
        assert copies == [len(rows)]
        for row in rows:
            cursor.execute(insert.format(a=inserted), row)
        found = []
        for table in (copied, inserted):
            cursor.execute(f"SELECT * FROM {table} ORDER BY k")
            found.append(cursor.fetchall())
        cursor.execute(f"DROP TABLE {copied}, {inserted}")
    assert found[0] == found[1]
    assert len(found[0]) == len(rows)


def test_a_copy_is_declined_for_an_insert_filling_the_first_columns(
    engine: tuple[SalesApplication, PgViewStore],
) -> None:
    """Given plain inserts without a column list that give fewer values than
    the table has columns, ``copy_rows`` declines (``COPY`` would want them
    all) and the inserts write the rows."""
    _, store = engine
    table = store.qualified("copy_short")
    rows = [(n, uuid4()) for n in range(COPY_MIN)]
    with store.transaction() as cursor:
        cursor.execute(f"CREATE TABLE {table} (k INTEGER, u UUID, extra TEXT)")
        assert cursor.copy_rows(table, "", rows) is False  # type: ignore[attr-defined]
        batch = Batch(cursor)
        for row in rows:
            Step(cursor, Probe(table), 1, batch).execute(
                "INSERT INTO {p} VALUES (%s, %s)", *row
            )
        batch.flush()
        cursor.execute(f"SELECT k, u, extra FROM {table} ORDER BY k")
        found = cursor.fetchall()
        cursor.execute(f"DROP TABLE {table}")
    assert found == [(n, u, None) for n, u in rows]


def test_uuids_are_bound_as_uuid_values(
    engine: tuple[SalesApplication, PgViewStore],
) -> None:
    """Given UUIDs bound by the driver (``uuid_literal``), each reads back as
    the same ``UUID``, compares equal to the stored one (alone and in an
    array) and turns to the usual hyphenated text."""
    _, store = engine
    table = store.qualified("uuid_probe")
    keys = [UUID(int=0), UUID(int=2**128 - 1), uuid4()]
    with store.transaction() as cursor:
        cursor.execute(f"CREATE TABLE {table} (k UUID PRIMARY KEY, t TEXT)")
        for key in keys:
            cursor.execute(f"INSERT INTO {table} VALUES (%s, %s::text)", (key, key))
        cursor.execute(f"SELECT k, t FROM {table} WHERE k = ANY(%s)", (keys,))
        found = sorted(cursor.fetchall())
        cursor.execute(f"SELECT count(*) FROM {table} WHERE k = %s", (keys[2],))
        assert cursor.fetchone() == (1,)
        cursor.execute(f"DROP TABLE {table}")
    assert found == sorted((key, str(key)) for key in keys)


class Both:
    def __init__(self, a: str, b: str) -> None:
        self.names = {"a": a, "b": b}

    def sql(self, statement: str) -> str:
        return statement.format(**self.names)


def test_a_failing_buffered_write_rolls_the_batch_back(
    engine: tuple[SalesApplication, PgViewStore],
) -> None:
    """Given a view whose write fails only when the batch is flushed, the
    batch commits nothing: no rows, no position."""
    app, store = engine
    for n in range(3):
        register(app, n)

    class Broken(ContactHistory):
        name = "broken_history"

        @handles(*events_of(Contact))
        def contact_event(self, step: Step, event: Any) -> None:
            super().contact_event(step, event)
            if step.position == 3:
                step.execute("INSERT INTO {entries} (position) VALUES (NULL)")

    runner = Runner(Broken(), store, app)
    with pytest.raises(IntegrityError):
        runner.step()
    assert store.position("broken_history") == 0
    with store.transaction() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {store.qualified('broken_history_entries')}"
        )
        assert cursor.fetchone() == (0,)


class Probe:
    def __init__(self, table: str) -> None:
        self.table = table

    def sql(self, statement: str) -> str:
        return statement.format(p=self.table)


class Counting:
    """A cursor that counts round trips (``execute`` calls)."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.calls = 0
        self.mogrify = cursor.mogrify
        self.fetchone = cursor.fetchone
        self.fetchall = cursor.fetchall

    def execute(self, sql: str, params: Any = None) -> None:
        self.calls += 1
        self.cursor.execute(sql, params)


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(),
    st.text(alphabet="'\\%s\"\n\t;"),
    st.uuids(),
    st.datetimes(),
    st.datetimes(timezones=st.timezones()),
    st.dates(),
    st.decimals(),
)
_PIECES = st.lists(
    st.sampled_from(["a", " ", ",", "(", ")", "'", "\\", "%%", ":", "=", "%s"])
).map("".join)


@settings(
    max_examples=300,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pieces=st.lists(_PIECES, min_size=1, max_size=6), data=st.data())
def test_bind_gives_what_mogrify_gives(
    engine: tuple[SalesApplication, PgViewStore],
    pieces: list[str],
    data: st.DataObject,
) -> None:
    """Given any statement text (``%%``, quotes, backslashes) and values of
    the kinds views write (texts with quotes, backslashes and ``%``, negative
    numbers, decimals not finite), the view cursor's ``bind`` gives the text
    ``mogrify`` gives, or fails as it fails."""
    _, store = engine
    sql = "%s".join(pieces)
    count = sql.replace("%%", "").count("%s")
    count = data.draw(st.sampled_from([count] * 5 + [count + 1]))
    params = data.draw(st.lists(_VALUES, min_size=count, max_size=count))
    assert_bound_alike(store, sql, params)


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT %s, 100 % 7", [1]),  # a stray %
        ("SELECT %(a)s", {"a": 1}),
        ("SELECT %s", {"a": 1}),
        ("SELECT %s", [1.5]),  # kinds bind leaves to mogrify
        ("SELECT %s", [[1, 2]]),
        ("SELECT %s", ["nul \x00"]),
        ("SELECT %s, %s", [1]),
        ("", []),
    ],
)
def test_bind_leaves_the_rest_to_mogrify(
    engine: tuple[SalesApplication, PgViewStore], sql: str, params: Any
) -> None:
    _, store = engine
    assert_bound_alike(store, sql, params)


def assert_bound_alike(store: PgViewStore, sql: str, params: Any) -> None:
    with store.transaction() as plain:
        cursor = cast(CopyCursor, plain)
        try:
            expected: Any = cursor.mogrify(sql, params).decode()
        except Exception as e:
            expected = type(e)
        try:
            found: Any = cursor.bind(sql, params)
        except Exception as e:
            found = type(e)
    assert found == expected


def test_bind_makes_the_usual_statements_itself(
    engine: tuple[SalesApplication, PgViewStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a statement of the values views write, ``bind`` makes its text
    without the driver's ``mogrify``."""
    _, store = engine
    params = ["it's", -3, Decimal("-1.50"), True, None, uuid4(), date(2026, 1, 2)]
    params.append(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC))
    sql = "UPDATE t SET a = %s, b = %s WHERE c LIKE '%%x'" + ", %s" * 6
    with store.transaction() as plain:
        cursor = cast(CopyCursor, plain)
        expected = cursor.mogrify(sql, params).decode()
        monkeypatch.setattr(cursor, "mogrify", None)
        assert cursor.bind(sql, params) == expected


def history_rows(store: PgViewStore) -> list[Any]:
    with store.transaction() as cursor:
        cursor.execute(
            "SELECT position, contact_id, account_id, details FROM"
            f" {store.qualified('contact_history_entries')} ORDER BY position"
        )
        rows = list(cursor.fetchall())
        cursor.execute(
            f"SELECT * FROM {store.qualified('contact_history_contacts')}"
            " ORDER BY contact_id"
        )
        return rows + list(cursor.fetchall())


def test_prepared_writes_follow_a_rebuild_swap(
    postgres_url: str, engine: tuple[SalesApplication, PgViewStore]
) -> None:
    """Given a view applied on one pooled connection (its writes prepared
    there), a rebuild that drops the live tables and renames the rebuilt ones
    in, and more events: the same connection applies them to the swapped-in
    tables, which end as a fresh rebuild's."""
    app, _ = engine
    datastore = PgDatastore(
        postgres_url, schema=VIEWS, pool_size=1, application_name=APP_NAME
    )
    store = PgViewStore(datastore, schema=VIEWS)
    try:
        host = ProjectionHost(app, store, views=(ContactHistory,))
        live = host.runner("contact_history")
        ids = [register(app, n) for n in range(12)]
        account = uuid4()
        move = contacts.ChangeContactDetails(contact_id=ids[0], account_id=account)
        run(app, contacts.change_contact_details, move)
        live.catch_up()
        with store.transaction() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            row = cursor.fetchone()
            assert row is not None and row[0] > 0
        host.rebuild("contact_history")
        ids += [register(app, n) for n in range(12, 20)]
        for contact_id in ids[::3]:
            move = contacts.ChangeContactDetails(contact_id=contact_id, account_id=None)
            run(app, contacts.change_contact_details, move)
        assert live.catch_up() > 0
        applied = history_rows(store)
        assert len(applied) > 20
        host.rebuild("contact_history")
        assert history_rows(store) == applied
    finally:
        datastore.close()


_COLUMNS = {
    "t": ("text", st.text()),
    "i": ("int4", st.integers(min_value=-(2**40), max_value=2**40)),
    "b": ("int8", st.integers(min_value=-(2**70), max_value=2**70)),
    "n": ("numeric", st.decimals()),
    "f": ("boolean", st.booleans()),
    "u": ("uuid", st.uuids()),
    "z": ("timestamptz", st.datetimes(timezones=st.timezones())),
    "s": ("timestamp", st.datetimes()),
    "d": ("date", st.dates()),
}
# where the type of a parameter decides what is written
_EXPRESSIONS = [
    "%s",
    "{c}",
    "coalesce(%s, {c})",
    "{c} + %s",
    "%s / 3",
    "%s * 1.5",
    "{c} || %s",
    "greatest({c}, %s)",
    "CASE WHEN %s THEN {c} END",
]


@pytest.fixture
def typed_table(
    engine: tuple[SalesApplication, PgViewStore],
) -> Iterator[tuple[PgViewStore, str]]:
    _, store = engine
    table = store.qualified("typed_probe")
    columns = ", ".join(f"{c} {kind}" for c, (kind, _) in _COLUMNS.items())
    with store.transaction() as cursor:
        cursor.execute(f"CREATE TABLE {table} (k int PRIMARY KEY, {columns})")
    yield store, table


@st.composite
def _writes(draw: st.DrawFn, table: str) -> tuple[str, list[Any]]:
    """An ``INSERT ... ON CONFLICT DO UPDATE`` or an ``UPDATE`` of random
    columns and expressions, with values of the columns' kinds (or any)."""
    names = draw(st.lists(st.sampled_from(list(_COLUMNS)), min_size=1, unique=True))
    values = [draw(st.one_of(st.none(), _COLUMNS[c][1], _VALUES)) for c in names]
    sets, set_values = [], []
    for c in draw(st.lists(st.sampled_from(list(_COLUMNS)), max_size=3, unique=True)):
        expression = draw(st.sampled_from(_EXPRESSIONS))
        sets.append(f"{c} = " + expression.format(c=c))
        if "%s" in expression:
            set_values.append(draw(st.one_of(st.none(), _COLUMNS[c][1], _VALUES)))
    key = draw(st.integers(min_value=1, max_value=3))
    if draw(st.booleans()) or not sets:
        update = " DO UPDATE SET " + ", ".join(sets) if sets else " DO NOTHING"
        sql = (
            f"INSERT INTO {table} (k, {', '.join(names)})"
            f" VALUES (%s{', %s' * len(names)}) ON CONFLICT (k){update}"
        )
        return sql, [key, *values, *set_values]
    sql = f"UPDATE {table} SET {', '.join(sets)} WHERE k = %s"
    return sql, [*set_values, key]


def _written(
    store: PgViewStore, table: str, writes: list[tuple[str, list[Any]]], how: str
) -> Any:
    """The table's rows after ``writes`` sent as a batch sends them, each
    bound by the cursor's method ``how``; or the error."""
    with store.transaction() as plain:
        cursor = cast(CopyCursor, plain)
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute("SAVEPOINT probe")
        try:
            bind = getattr(cursor, how)
            cursor.execute(";".join(bind(sql, params) for sql, params in writes))
        except psycopg2.Error as e:
            cursor.execute("ROLLBACK TO SAVEPOINT probe")
            return e.pgcode
        except Exception as e:
            cursor.execute("ROLLBACK TO SAVEPOINT probe")
            return type(e)
        cursor.execute(f"SELECT * FROM {table} ORDER BY k")
        return cursor.fetchall()


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_prepared_writes_write_what_bound_ones_write(
    typed_table: tuple[PgViewStore, str], data: st.DataObject
) -> None:
    """Given random writes of values of any kind into columns of the usual
    types, in expressions where a parameter's type matters, the rows written
    by ``EXECUTE``s of prepared statements (``bind_prepared``) are those
    written by ``bind``'s text, or both fail alike."""
    store, table = typed_table
    writes = data.draw(st.lists(_writes(table), min_size=1, max_size=4))
    expected = _written(store, table, writes, "bind")
    assert _written(store, table, writes, "bind_prepared") == expected


def test_bind_prepared_executes_what_it_can_and_binds_the_rest(
    typed_table: tuple[PgViewStore, str],
) -> None:
    """Given the usual statements, ``bind_prepared`` gives an ``EXECUTE``;
    given ``%%``, a ``%s`` in quotes, a comment or a statement that cannot be
    prepared (an untyped parameter), ``bind``'s text, and the transaction
    goes on."""
    store, table = typed_table
    key = uuid4()
    with store.transaction() as plain:
        cursor = cast(CopyCursor, plain)
        usual = f"INSERT INTO {table} (k, t, u) VALUES (%s, %s, %s)"
        assert cursor.bind_prepared(usual, [1, "a", key]).startswith("EXECUTE sfa_")
        unprepared: list[tuple[str, list[Any]]] = [
            (f"UPDATE {table} SET t = %s || '%%' WHERE k = %s", ["b", 1]),
            (f"UPDATE {table} SET t = '%s' || %s WHERE k = %s", ["x", "c", 1]),
            (f"UPDATE {table} SET t = %s WHERE k = %s -- %s", ["d", 1, 2]),
            (f"UPDATE {table} SET f = %s IS NULL WHERE k = %s", ["e", 1]),
            (f"UPDATE {table} SET t = %s WHERE k = %s", [1.5, 1]),
        ]
        for sql, params in unprepared:
            assert cursor.bind_prepared(sql, params) == cursor.bind(sql, params)
        cursor.execute(cursor.bind_prepared(usual, [2, "b", key]))
        cursor.execute(f"SELECT k, t, u FROM {table} ORDER BY k")
        assert cursor.fetchall() == [(2, "b", key)]
