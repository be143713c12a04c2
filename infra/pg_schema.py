"""DDL for the PostgreSQL recorders. Every statement is idempotent."""

from __future__ import annotations

from infra.pg_datastore import PgDatastore, qualified, quote_ident

# Serialises schema creation across processes (CREATE ... IF NOT EXISTS races).
_DDL_LOCK_KEY = 0x5FA0DD1


def create_schema(datastore: PgDatastore, statements: list[str]) -> None:
    with datastore.transaction() as curs:
        curs.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK_KEY,))
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


def application_table_ddl(
    schema: str, table: str, *, channel: str, lock_key: int
) -> list[str]:
    """The log table, its insert function and its insert-only triggers.

    The insert function takes the log's advisory lock before it reads the head
    position, so numbering follows commit order; it records an optional
    tracking row and idempotency replies (each with the position of its
    write's last event: head + ``end``) in the same transaction, and returns
    the head before the insert.
    """
    events = qualified(schema, table)
    replies_table = qualified(schema, f"{table}_idempotency")
    function = qualified(schema, f"{table}_insert")
    refuse = qualified(schema, "sfa_refuse_change")
    return [
        f"CREATE TABLE IF NOT EXISTS {events} ("
        " notification_id bigint PRIMARY KEY,"
        " originator_id uuid NOT NULL,"
        " originator_version bigint NOT NULL,"
        " topic text NOT NULL,"
        " state bytea NOT NULL,"
        " recorded_at timestamptz NOT NULL DEFAULT now(),"
        " UNIQUE (originator_id, originator_version))",
        f"CREATE TABLE IF NOT EXISTS {replies_table} ("
        " key text PRIMARY KEY,"
        " request_hash text NOT NULL,"
        " response jsonb NOT NULL,"
        " position bigint NOT NULL,"
        " recorded_at timestamptz NOT NULL DEFAULT now())",
        f"""CREATE OR REPLACE FUNCTION {function}(
            ids uuid[], versions bigint[], topics text[], states bytea[],
            tracking_schema text, tracking_table text,
            tracking_name text, tracking_id bigint, idempotency jsonb)
        RETURNS bigint LANGUAGE plpgsql AS $body$
        DECLARE
            head bigint;
            tracked int;
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
                SELECT coalesce(max(notification_id), 0) INTO head FROM {events};
                INSERT INTO {events}
                    (notification_id, originator_id, originator_version, topic, state)
                SELECT head + n, i, v, t, s
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
    ]


def tracking_table_ddl(schema: str, table: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {qualified(schema, table)} ("
        " application_name text PRIMARY KEY,"
        " notification_id bigint NOT NULL)"
    ]
