-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.commission_statement_approvals: rows of the operational store's table commission_statement_approvals (entry screens), as
-- extracted into raw/ops. One row per commission_statement_approval_id: the latest version; soft-deleted rows left out.
{{ ops_staging('commission_statement_approvals', key='commission_statement_approval_id') }}
