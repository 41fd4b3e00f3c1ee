-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.opportunity_stage_history: rows of the operational store's table opportunity_stage_history (entry screens), as
-- extracted into raw/ops. One row per stage_change_id: the latest version; soft-deleted rows left out.
{{ ops_staging('opportunity_stage_history', key='stage_change_id') }}
