-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.quotes: rows of the operational store's table quotes (entry screens), as
-- extracted into raw/ops. One row per quote_id: the latest version; soft-deleted rows left out.
{{ ops_staging('quotes', key='quote_id') }}
