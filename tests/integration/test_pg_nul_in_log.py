"""A NUL in text that reached the log before input refused it (PostgreSQL
text cannot hold one) stops no view: the view store writes it as U+FFFD,
row by row and in bulk (``COPY``)."""

from __future__ import annotations

from uuid import uuid4

from domain.contact import Contact
from infra.projection_host import ProjectionHost
from projections.batch import COPY_MIN
from projections.lists import Lists
from tests.integration.engines import two_engines

NUL_STANDS_IN = "\ufffd"  # infra.pg_copy


def test_every_view_applies_text_holding_nul(postgres_url: str) -> None:
    with two_engines(postgres_url, "sfa_test_nul", "sfa_test_nul_views") as engine:
        app, _, store = engine
        people = [
            Contact(
                id=uuid4(),
                given_name=f"Ad\x00a{n}",
                family_name="Love\x00lace",
                emails=(f"ada{n}@example.com",),
                phones=(),
                title="Count\x00ess",
            )
            for n in range(COPY_MIN + 5)  # enough for the bulk path too
        ]
        app.save(people[0])  # alone: row by row
        app.save(*people[1:])
        host = ProjectionHost(app, store)

        for runner in host.runners.values():
            runner.catch_up()

        assert [s.name for s in host.status() if s.last_error] == []
        head = app.recorder.max_notification_id()
        assert {s.position for s in host.status()} == {head}
        with store.transaction() as cursor:
            names = store.names(Lists)
            cursor.execute(names.sql("SELECT given_name, family_name FROM {contacts}"))
            rows = set(cursor.fetchall())
        assert (f"Ad{NUL_STANDS_IN}a0", f"Love{NUL_STANDS_IN}lace") in rows
        assert len(rows) == len(people)
