-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.order_lines: rows of the operational store's table order_lines (entry screens), as
-- extracted into raw/ops. One row per order_line_id: the latest version; soft-deleted rows left out.
{{ ops_staging('order_lines', key='order_line_id') }}
