-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.ticket_requirement_links: rows of the operational store's table ticket_requirement_links (entry screens), as
-- extracted into raw/ops. One row per ticket_requirement_link_id: the latest version; soft-deleted rows left out.
{{ ops_staging('ticket_requirement_links', key='ticket_requirement_link_id') }}
