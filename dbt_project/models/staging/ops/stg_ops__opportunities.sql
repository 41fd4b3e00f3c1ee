-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.opportunities: rows of the operational store's table opportunities (entry screens), as
-- extracted into raw/ops. One row per opportunity_id: the latest version; soft-deleted rows left out.
{{ ops_staging('opportunities', key='opportunity_id') }}
