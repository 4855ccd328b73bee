"""The outbox's SQL entry point: ``outbox_record_event`` records a domain event in one
statement (frozen DDL).

A write that runs in the database as one function (one round trip from the request) records
its event with it. The event's envelope and payload are built and validated in Python
(``EventEmitter.build``); the function draws the aggregate version from the service's
sequence (the write holds the aggregate's lock, so versions follow commit order), sets it,
and inserts the outbox row with the headers and properties ``event_message`` gives.
"""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION outbox_record_event(p_exchange text, p_event jsonb) RETURNS void
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
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION outbox_record_event(text, jsonb)")


# The revision graph (Alembic reads these).
revision = "kernel_0002"
down_revision = "0001"
