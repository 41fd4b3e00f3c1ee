-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.receipts: rows of the operational store's table receipts (entry screens), as
-- extracted into raw/ops. One row per receipt_id: the latest version; soft-deleted rows left out.
{{ ops_staging('receipts', key='receipt_id') }}
