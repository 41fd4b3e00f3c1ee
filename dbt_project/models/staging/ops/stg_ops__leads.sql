-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.leads: rows of the operational store's table leads (entry screens), as
-- extracted into raw/ops. One row per lead_id: the latest version; soft-deleted rows left out.
{{ ops_staging('leads', key='lead_id') }}
