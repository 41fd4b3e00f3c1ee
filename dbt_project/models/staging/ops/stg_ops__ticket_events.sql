-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.ticket_events: rows of the operational store's table ticket_events (entry screens), as
-- extracted into raw/ops. One row per ticket_event_id: the latest version; soft-deleted rows left out.
{{ ops_staging('ticket_events', key='ticket_event_id') }}
