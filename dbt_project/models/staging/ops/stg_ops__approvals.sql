-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.approvals: rows of the operational store's table approvals (entry screens), as
-- extracted into raw/ops. One row per approval_id: the latest version; soft-deleted rows left out.
{{ ops_staging('approvals', key='approval_id') }}
