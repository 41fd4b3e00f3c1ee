-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.quote_lines: rows of the operational store's table quote_lines (entry screens), as
-- extracted into raw/ops. One row per quote_line_id: the latest version; soft-deleted rows left out.
{{ ops_staging('quote_lines', key='quote_line_id') }}
