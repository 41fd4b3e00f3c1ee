-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.requirement_followups: rows of the operational store's table requirement_followups (entry screens), as
-- extracted into raw/ops. One row per requirement_followup_id: the latest version; soft-deleted rows left out.
{{ ops_staging('requirement_followups', key='requirement_followup_id') }}
