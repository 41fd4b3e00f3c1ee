-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.orders: rows of the operational store's table orders (entry screens), as
-- extracted into raw/ops. One row per order_id: the latest version; soft-deleted rows left out.
{{ ops_staging('orders', key='order_id') }}
