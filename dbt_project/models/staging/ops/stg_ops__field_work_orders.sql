-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.field_work_orders: rows of the operational store's table field_work_orders (entry screens), as
-- extracted into raw/ops. One row per field_work_order_id: the latest version; soft-deleted rows left out.
{{ ops_staging('field_work_orders', key='field_work_order_id') }}
