-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.delivery_lines: rows of the operational store's table delivery_lines (entry screens), as
-- extracted into raw/ops. One row per delivery_line_id: the latest version; soft-deleted rows left out.
{{ ops_staging('delivery_lines', key='delivery_line_id') }}
