"""``outbox_record_event`` in PL/pgSQL (frozen DDL): the same row, a third less of the
database's CPU.

A SQL-language function whose body cannot be inlined (an INSERT never is) is parsed and
planned again on every call: PostgreSQL 15 keeps a SQL function's plan for one query only.
PL/pgSQL keeps its statements' plans for the connection. Measured with 32 connections on
the two-core machine, the database's CPU per call: the function alone 244 → 155 µs, a
rating write (``rating_set``, which calls it) 408 → 317 µs. Every write function and every
event a consumer records goes through it.
"""

from alembic import op

_PLPGSQL = """
CREATE OR REPLACE FUNCTION outbox_record_event(p_exchange text, p_event jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_event jsonb := jsonb_set(
        p_event, '{aggregate_version}', to_jsonb(nextval('aggregate_version_seq')));
BEGIN
    INSERT INTO outbox
        (message_id, exchange, routing_key, content_type, headers, properties, body)
    VALUES ((v_event ->> 'id')::uuid, p_exchange, v_event ->> 'type', 'application/json',
            jsonb_build_object('x-event-version', v_event -> 'version'),
            jsonb_build_object('type', v_event -> 'type', 'correlation_id',
                               v_event -> 'correlation_id', 'app_id', v_event -> 'producer'),
            convert_to(v_event::text, 'UTF8'));
END
$$
"""

# Revision kernel_0002's function, as it was.
_SQL = """
CREATE OR REPLACE FUNCTION outbox_record_event(p_exchange text, p_event jsonb) RETURNS void
LANGUAGE sql VOLATILE AS $$
    INSERT INTO outbox
        (message_id, exchange, routing_key, content_type, headers, properties, body)
    SELECT (e ->> 'id')::uuid, p_exchange, e ->> 'type', 'application/json',
           jsonb_build_object('x-event-version', e -> 'version'),
           jsonb_build_object('type', e -> 'type', 'correlation_id',
                              e -> 'correlation_id', 'app_id', e -> 'producer'),
           convert_to(e::text, 'UTF8')
    FROM (SELECT jsonb_set(p_event, '{aggregate_version}',
                           to_jsonb(nextval('aggregate_version_seq'))) AS e) AS built
$$
"""


def upgrade() -> None:
    op.execute(_PLPGSQL)


def downgrade() -> None:
    op.execute(_SQL)


# The revision graph (Alembic reads these).
revision = "kernel_0004"
down_revision = "kernel_0003"
