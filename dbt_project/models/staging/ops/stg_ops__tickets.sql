-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.tickets: rows of the operational store's table tickets (entry screens), as
-- extracted into raw/ops. One row per ticket_id: the latest version; soft-deleted rows left out.
{{ ops_staging('tickets', key='ticket_id') }}
