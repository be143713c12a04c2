"""bench_audit's contenders for the append cost: our recorder with and
without the ledger's hash chain (the same insert function otherwise)."""

from __future__ import annotations

from benchmarks.store_contenders import Contender, Database, Store, open_recorder
from infra.pg_recorders import PgApplicationRecorder


class UnchainedRecorder(PgApplicationRecorder):
    """Only for measuring what the chain costs: events are not sealed."""

    chained = False


def open_sfa(db: Database, schema: str, *, chained: bool) -> Store:
    env = {
        "PERSISTENCE_MODULE": "infra.postgres:Factory",
        "SFA_DATABASE_URL": db.url,
        "SFA_DB_SCHEMA": schema,
    }
    if not chained:
        topic = f"{__name__}:{UnchainedRecorder.__name__}"
        env["APPLICATION_RECORDER_TOPIC"] = topic
    return open_recorder(env)


CHAIN_CONTENDERS = (
    Contender(
        "sfa_chain",
        "sfa, hash chain",
        "sfa",
        lambda db, schema: open_sfa(db, schema, chained=True),
    ),
    Contender(
        "sfa_nochain",
        "sfa, no hash chain",
        "library",
        lambda db, schema: open_sfa(db, schema, chained=False),
    ),
)
