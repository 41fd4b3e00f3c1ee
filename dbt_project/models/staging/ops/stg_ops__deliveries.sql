-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.deliveries: rows of the operational store's table deliveries (entry screens), as
-- extracted into raw/ops. One row per delivery_id: the latest version; soft-deleted rows left out.
{{ ops_staging('deliveries', key='delivery_id') }}
