"""Step and Batch: writes wait for the next read or the end of the batch,
in order; a view's cache serves lookups within a batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.view import Batch, Step


class Names:
    def sql(self, statement: str) -> str:
        return statement.format(t="t")


class Recorder:
    """A cursor that records what it is sent (no ``mogrify``: one by one)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[Any, ...]]] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.sent.append((sql, tuple(params)))

    def fetchone(self) -> tuple[Any, ...] | None:
        return ("row",)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [("row",)]


def test_writes_wait_for_a_read_and_keep_their_order() -> None:
    cursor = Recorder()
    batch = Batch(cursor)
    step = Step(cursor, Names(), 1, batch)
    step.execute("INSERT INTO {t} VALUES (%s)", 1)
    step.execute("UPDATE {t} SET a = %s", 2)
    assert cursor.sent == []
    assert step.one("SELECT a FROM {t}") == ("row",)
    assert [s for s, _ in cursor.sent] == [
        "INSERT INTO t VALUES (%s)",
        "UPDATE t SET a = %s",
        "SELECT a FROM t",
    ]
    step.execute("DELETE FROM {t}")
    assert len(cursor.sent) == 3
    batch.flush()
    assert cursor.sent[-1] == ("DELETE FROM t", ())


def test_a_select_through_execute_runs_at_once_and_cursor_flushes() -> None:
    cursor = Recorder()
    step = Step(cursor, Names(), 1, Batch(cursor))
    step.execute("INSERT INTO {t} VALUES (%s)", 1)
    step.execute("SELECT a FROM {t}")
    assert len(cursor.sent) == 2
    step.execute("INSERT INTO {t} VALUES (%s)", 2)
    assert step.cursor.fetchall() == [("row",)]
    assert len(cursor.sent) == 3


def test_a_step_without_a_batch_sends_each_write_at_once() -> None:
    cursor = Recorder()
    Step(cursor, Names(), 1).execute("INSERT INTO {t} VALUES (%s)", 1)
    assert cursor.sent == [("INSERT INTO t VALUES (%s)", (1,))]


def test_lookup_is_cached_for_the_batch() -> None:
    cursor = Recorder()
    batch = Batch(cursor)
    first = Step(cursor, Names(), 1, batch)
    assert first.lookup("k", "SELECT a FROM {t}") == ("row",)
    second = Step(cursor, Names(), 2, batch)
    assert second.lookup("k", "SELECT a FROM {t}") == ("row",)
    assert len(cursor.sent) == 1
    second.remember("k", ("new",))
    assert second.cached("k") == ("new",)
    second.forget("k")
    assert second.cached("k") is None
    assert second.lookup("k", "SELECT a FROM {t}") == ("row",)
    assert len(cursor.sent) == 2


class ManyRecorder(Recorder):
    """A cursor that also takes a run of one statement at once."""

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.sent.append((sql, tuple(tuple(r) for r in rows)))


class Tables:
    def sql(self, statement: str) -> str:
        return statement.format(a="a", b="b")


def test_writes_to_other_tables_pass_each_other_not_within_a_table() -> None:
    cursor = ManyRecorder()
    batch = Batch(cursor)
    step = Step(cursor, Tables(), 1, batch)
    step.execute("INSERT INTO {a} VALUES (%s)", 1)
    step.execute("INSERT INTO {b} VALUES (%s)", 2)
    step.execute("INSERT INTO {a} VALUES (%s)", 3)
    step.execute("UPDATE {a} SET v = %s", 4)
    step.execute("INSERT INTO {a} VALUES (%s)", 5)
    batch.flush()
    assert cursor.sent == [
        ("INSERT INTO a VALUES (%s)", ((1,), (3,))),
        ("UPDATE a SET v = %s", (4,)),
        ("INSERT INTO a VALUES (%s)", (5,)),
        ("INSERT INTO b VALUES (%s)", (2,)),
    ]


class Mogrifying(Recorder):
    """A PostgreSQL-like cursor: binds statements itself (``mogrify``)."""

    def mogrify(self, sql: str, params: Sequence[Any]) -> bytes:
        return (sql % tuple(repr(p) for p in params)).encode()


def test_inserts_of_one_statement_become_one_multi_row_insert() -> None:
    cursor = Mogrifying()
    batch = Batch(cursor)
    step = Step(cursor, Tables(), 1, batch)
    for n in (1, 2):
        step.execute(
            "INSERT INTO {a} (k, v) VALUES (%s, %s) ON CONFLICT DO NOTHING", n, "x"
        )
        step.execute(
            "INSERT INTO {b} VALUES (%s) ON CONFLICT (k) DO UPDATE SET k = excluded.k",
            n,
        )
    batch.flush()
    assert cursor.sent == [
        (
            "INSERT INTO a (k, v) VALUES (1, 'x'),(2, 'x') ON CONFLICT DO NOTHING;"
            "INSERT INTO b VALUES (1) ON CONFLICT (k) DO UPDATE SET k = excluded.k;"
            "INSERT INTO b VALUES (2) ON CONFLICT (k) DO UPDATE SET k = excluded.k",
            (),
        )
    ]


def test_an_insert_of_several_rows_is_sent_as_it_came() -> None:
    cursor = Mogrifying()
    batch = Batch(cursor)
    step = Step(cursor, Tables(), 1, batch)
    for n in (1, 3):
        step.execute("INSERT INTO {a} (k) VALUES (%s), (%s)", n, n + 1)
    batch.flush()
    assert cursor.sent == [
        ("INSERT INTO a (k) VALUES (1), (2);INSERT INTO a (k) VALUES (3), (4)", ())
    ]


class Rows(Recorder):
    def fetchall(self) -> list[tuple[Any, ...]]:
        return [("1", "one"), ("3", "three")]


def test_preload_caches_found_rows_and_the_missing_ones() -> None:
    cursor = Rows()
    batch = Batch(cursor)
    step = Step(cursor, Names(), 1, batch)
    step.remember(("t", 4), ("known",))
    step.preload("t", "SELECT k, v FROM {t} WHERE k IN (%s)", [1, 2, 3, 4, None])
    assert cursor.sent == [("SELECT k, v FROM t WHERE k IN (%s, %s, %s)", (1, 2, 3))]
    assert [step.lookup(("t", k), "SELECT") for k in (1, 2, 3, 4)] == [
        ("one",),
        None,
        ("three",),
        ("known",),
    ]
    assert len(cursor.sent) == 1


def test_a_write_that_reads_another_table_is_passed_by_nothing() -> None:
    cursor = ManyRecorder()
    batch = Batch(cursor)
    step = Step(cursor, Tables(), 1, batch)
    step.execute("INSERT INTO {a} VALUES (%s)", 1)
    step.execute("INSERT INTO {b} SELECT * FROM {a}")
    step.execute("INSERT INTO {a} VALUES (%s)", 2)
    batch.flush()
    assert cursor.sent == [
        ("INSERT INTO a VALUES (%s)", (1,)),
        ("INSERT INTO b SELECT * FROM a", ()),
        ("INSERT INTO a VALUES (%s)", (2,)),
    ]


class Preparing(Mogrifying):
    """A cursor that marks what it would send as an ``EXECUTE``."""

    def bind_prepared(self, sql: str, params: Sequence[Any]) -> str:
        return "EXECUTE " + self.mogrify(sql, params).decode()


def test_writes_as_the_view_made_them_go_prepared_merged_inserts_and_reads_not() -> (
    None
):
    cursor = Preparing()
    batch = Batch(cursor)
    step = Step(cursor, Tables(), 1, batch)
    for n in (1, 2):
        step.execute("INSERT INTO {a} (k) VALUES (%s)", n)
    step.execute("UPDATE {b} SET v = %s WHERE k = %s", "x", 1)
    step.execute("UPDATE {b} SET v = 1 RETURNING k")
    step.one("SELECT v FROM {b} WHERE k = %s", 1)
    assert cursor.sent == [
        (
            "INSERT INTO a (k) VALUES (1),(2);"
            "EXECUTE UPDATE b SET v = 'x' WHERE k = 1;"
            "UPDATE b SET v = 1 RETURNING k;"
            "SELECT v FROM b WHERE k = 1",
            (),
        )
    ]
    step.execute("UPDATE {b} SET v = %s WHERE k = %s", "y", 2)
    batch.flush()
    assert cursor.sent[-1] == ("EXECUTE UPDATE b SET v = 'y' WHERE k = 2", ())
