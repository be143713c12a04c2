"""The private PostgreSQL that restart tests use really goes away and comes back."""

from __future__ import annotations

import psycopg2
import pytest

from tests.private_postgres import private_postgres


def test_restart_drops_clients_and_serves_again() -> None:
    with private_postgres() as server:
        conn = psycopg2.connect(server.url)
        server.restart()
        with pytest.raises(psycopg2.OperationalError):
            conn.cursor().execute("select 1")
        with psycopg2.connect(server.url) as fresh, fresh.cursor() as curs:
            curs.execute("select 1")
            assert curs.fetchone() == (1,)
