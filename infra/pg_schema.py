"""DDL for the PostgreSQL recorders. Every statement is idempotent."""

from __future__ import annotations

from infra.pg_datastore import PgDatastore, qualified, quote_ident

# Serialises schema creation across processes (CREATE ... IF NOT EXISTS races).
DDL_LOCK_KEY = 0x5FA0DD1


def create_schema(datastore: PgDatastore, statements: list[str]) -> None:
    with datastore.transaction() as curs:
        curs.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK_KEY,))
        curs.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(datastore.schema)}")
        for statement in statements:
            curs.execute(statement)


def aggregate_table_ddl(schema: str, table: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {qualified(schema, table)} ("
        " originator_id uuid NOT NULL,"
        " originator_version bigint NOT NULL,"
        " topic text NOT NULL,"
        " state bytea NOT NULL,"
        " PRIMARY KEY (originator_id, originator_version))"
    ]


# The ledger's canonical bytes of one event (see infra/ledger.py), in SQL:
# position, id, version, then topic and state each after its length.
_CANONICAL = (
    "int8send({p}) || uuid_send({i}) || int8send({v})"
    " || int4send(length(convert_to({t}, 'UTF8'))) || convert_to({t}, 'UTF8')"
    " || int4send(length({s})) || {s}"
)
_GENESIS = "'\\x" + "00" * 32 + "'::bytea"


def canonical_sql(p: str, i: str, v: str, t: str, s: str) -> str:
    return _CANONICAL.format(p=p, i=i, v=v, t=t, s=s)


def application_table_ddl(
    schema: str,
    table: str,
    *,
    channel: str,
    lock_key: int,
    checkpoint_every: int = 1000,
    chained: bool = True,
) -> list[str]:
    """The log table, its insert function and its insert-only triggers.

    The insert function takes the log's advisory lock before it reads the head
    position, so numbering follows commit order; it seals each event into the
    ledger's hash chain (``hash``, from the head row's hash) and records a
    checkpoint at every multiple of ``checkpoint_every``; it records an
    optional tracking row and idempotency replies (each with the position of
    its write's last event: head + ``end``) in the same transaction, and
    returns the head before the insert. ``expected_ids`` and
    ``expected_versions`` name records the write relied on without changing
    them: under the lock, before anything is inserted, each must still be at
    its version, else nothing is written (``unique_violation``).
    ``chained=False`` leaves ``hash`` NULL (only for measuring what the chain
    costs).
    """
    events = qualified(schema, table)
    replies_table = qualified(schema, f"{table}_idempotency")
    function = qualified(schema, f"{table}_insert")
    refuse = qualified(schema, "sfa_refuse_change")
    sealing = (
        _seal_sql(schema, table, checkpoint_every)
        if chained
        else f"SELECT coalesce(max(notification_id), 0) INTO head FROM {events};"
    )
    return [
        f"CREATE TABLE IF NOT EXISTS {events} ("
        " notification_id bigint PRIMARY KEY,"
        " originator_id uuid NOT NULL,"
        " originator_version bigint NOT NULL,"
        " topic text NOT NULL,"
        " state bytea NOT NULL,"
        " recorded_at timestamptz NOT NULL DEFAULT now(),"
        " hash bytea,"
        " UNIQUE (originator_id, originator_version))",
        f"ALTER TABLE {events} ADD COLUMN IF NOT EXISTS hash bytea",
        f"CREATE TABLE IF NOT EXISTS {replies_table} ("
        " key text PRIMARY KEY,"
        " request_hash text NOT NULL,"
        " response jsonb NOT NULL,"
        " position bigint NOT NULL,"
        " recorded_at timestamptz NOT NULL DEFAULT now())",
        f"""CREATE OR REPLACE FUNCTION {function}(
            ids uuid[], versions bigint[], topics text[], states bytea[],
            tracking_schema text, tracking_table text,
            tracking_name text, tracking_id bigint, idempotency jsonb,
            expected_ids uuid[], expected_versions bigint[])
        RETURNS bigint LANGUAGE plpgsql AS $body$
        DECLARE
            head bigint;
            tracked int;
            previous bytea;
            hashes bytea[];
        BEGIN
            IF tracking_name IS NOT NULL THEN
                EXECUTE format(
                    'INSERT INTO %1$I.%2$I AS t VALUES ($1, $2) '
                    'ON CONFLICT (application_name) DO UPDATE '
                    'SET notification_id = EXCLUDED.notification_id '
                    'WHERE t.notification_id < EXCLUDED.notification_id',
                    tracking_schema, tracking_table)
                USING tracking_name, tracking_id;
                GET DIAGNOSTICS tracked = ROW_COUNT;
                IF tracked = 0 THEN
                    RAISE unique_violation USING MESSAGE = format(
                        'tracking %s %s is not above the recorded position',
                        tracking_name, tracking_id);
                END IF;
            END IF;
            IF cardinality(ids) > 0 THEN
                PERFORM pg_advisory_xact_lock({lock_key});
                IF expected_ids IS NOT NULL AND EXISTS (
                    SELECT FROM unnest(expected_ids, expected_versions) AS x(i, v)
                    WHERE x.v IS DISTINCT FROM (SELECT max(originator_version)
                        FROM {events} WHERE originator_id = x.i)) THEN
                    RAISE unique_violation USING MESSAGE =
                        'a record this write relied on has changed since';
                END IF;
                {sealing}
                INSERT INTO {events} (notification_id, originator_id,
                    originator_version, topic, state, hash)
                SELECT head + n, i, v, t, s, hashes[n]
                FROM unnest(ids, versions, topics, states) WITH ORDINALITY
                    AS u(i, v, t, s, n);
                NOTIFY {channel};
            ELSIF idempotency IS NOT NULL THEN
                SELECT coalesce(max(notification_id), 0) INTO head FROM {events};
            END IF;
            IF idempotency IS NOT NULL THEN
                INSERT INTO {replies_table} (key, request_hash, response, position)
                SELECT r->>'key', r->>'request_hash', r - 'end',
                       head + (r->>'end')::bigint
                FROM jsonb_array_elements(idempotency) AS r;
            END IF;
            RETURN head;
        END
        $body$""",
        f"DROP FUNCTION IF EXISTS {function}(uuid[], bigint[], text[], bytea[],"
        " text, text, text, bigint)",
        f"DROP FUNCTION IF EXISTS {function}(uuid[], bigint[], text[], bytea[],"
        " text, text, text, bigint, jsonb)",
        f"""CREATE OR REPLACE FUNCTION {refuse}() RETURNS trigger
        LANGUAGE plpgsql AS $body$
        BEGIN
            RAISE EXCEPTION 'stored events are immutable: % on %.% refused',
                TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $body$""",
        f"CREATE OR REPLACE TRIGGER {quote_ident(table + '_insert_only')}"
        f" BEFORE UPDATE OR DELETE ON {events}"
        f" FOR EACH ROW EXECUTE FUNCTION {refuse}()",
        f"CREATE OR REPLACE TRIGGER {quote_ident(table + '_no_truncate')}"
        f" BEFORE TRUNCATE ON {events}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {refuse}()",
        *ledger_ddl(schema, table, checkpoint_every),
    ]


def ledger_ddl(schema: str, table: str, every: int) -> list[str]:
    """The checkpoints table (insert-only) and the function that seals rows
    recorded before the ledger existed."""
    events = qualified(schema, table)
    checkpoints = qualified(schema, f"{table}_checkpoints")
    seal = qualified(schema, f"{table}_seal_legacy")
    refuse = qualified(schema, "sfa_refuse_change")
    step = canonical_sql(
        "r.notification_id",
        "r.originator_id",
        "r.originator_version",
        "r.topic",
        "r.state",
    )
    return [
        f"CREATE TABLE IF NOT EXISTS {checkpoints} ("
        " position bigint PRIMARY KEY,"
        " hash bytea NOT NULL,"
        " kind text NOT NULL DEFAULT 'periodic',"
        " recorded_at timestamptz NOT NULL DEFAULT now())",
        f"CREATE OR REPLACE TRIGGER {quote_ident(table + '_checkpoints_insert_only')}"
        f" BEFORE UPDATE OR DELETE ON {checkpoints}"
        f" FOR EACH ROW EXECUTE FUNCTION {refuse}()",
        f"""CREATE OR REPLACE FUNCTION {seal}(upto bigint)
        RETURNS bytea LANGUAGE plpgsql AS $body$
        DECLARE
            h bytea := {_GENESIS};
            r record;
        BEGIN
            FOR r IN SELECT * FROM {events} WHERE notification_id <= upto
                     ORDER BY notification_id LOOP
                h := sha256(h || {step});
                IF r.notification_id % {every} = 0 THEN
                    INSERT INTO {checkpoints} (position, hash)
                    VALUES (r.notification_id, h) ON CONFLICT DO NOTHING;
                END IF;
            END LOOP;
            INSERT INTO {checkpoints} (position, hash, kind)
            VALUES (upto, h, 'legacy') ON CONFLICT DO NOTHING;
            RETURN h;
        END
        $body$""",
    ]


def _seal_sql(schema: str, table: str, every: int) -> str:
    """PL/pgSQL run under the log's lock: reads the head and its hash, seals
    the events of the write into ``hashes`` and records the checkpoints due."""
    events = qualified(schema, table)
    checkpoints = qualified(schema, f"{table}_checkpoints")
    seal = qualified(schema, f"{table}_seal_legacy")
    step = canonical_sql("head + n", "ids[n]", "versions[n]", "topics[n]", "states[n]")
    return f"""SELECT notification_id, hash INTO head, previous FROM {events}
                    ORDER BY notification_id DESC LIMIT 1;
                IF head IS NULL THEN  -- the ledger begins with the log
                    head := 0;
                    previous := {_GENESIS};
                    INSERT INTO {checkpoints} (position, hash, kind)
                    VALUES (0, previous, 'genesis') ON CONFLICT DO NOTHING;
                ELSIF previous IS NULL THEN
                    SELECT hash INTO previous FROM {checkpoints}
                        WHERE position = head;
                    IF previous IS NULL AND EXISTS (SELECT FROM {checkpoints}) THEN
                        RAISE EXCEPTION USING ERRCODE = 'data_exception',
                            MESSAGE = format('ledger: the last event (position %s)'
                            ' has no hash; it was not recorded by this function.'
                            ' Run sfa audit verify', head);
                    ELSIF previous IS NULL THEN  -- rows from before the ledger
                        previous := {seal}(head);
                    END IF;
                END IF;
                hashes := array_fill(NULL::bytea, ARRAY[cardinality(ids)]);
                FOR n IN 1..cardinality(ids) LOOP
                    previous := sha256(previous || {step});
                    hashes[n] := previous;
                END LOOP;
                IF (head + cardinality(ids)) / {every} > head / {every} THEN
                    INSERT INTO {checkpoints} (position, hash)
                    SELECT p, hashes[p - head] FROM generate_series(
                        (head / {every} + 1) * {every},
                        head + cardinality(ids), {every}) AS p;
                END IF;"""


def tracking_table_ddl(schema: str, table: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {qualified(schema, table)} ("
        " application_name text PRIMARY KEY,"
        " notification_id bigint NOT NULL)"
    ]
