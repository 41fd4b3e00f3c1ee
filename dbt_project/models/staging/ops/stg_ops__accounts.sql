-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.accounts: rows of the operational store's table accounts (entry screens), as
-- extracted into raw/ops. One row per account_id: the latest version; soft-deleted rows left out.
{{ ops_staging('accounts', key='account_id') }}
