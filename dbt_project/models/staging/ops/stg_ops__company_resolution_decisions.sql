-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.company_resolution_decisions: rows of the operational store's table company_resolution_decisions (entry screens), as
-- extracted into raw/ops. One row per company_resolution_decision_id: the latest version; soft-deleted rows left out.
{{ ops_staging('company_resolution_decisions', key='company_resolution_decision_id') }}
