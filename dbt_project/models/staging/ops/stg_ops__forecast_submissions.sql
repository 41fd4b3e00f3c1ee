-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.forecast_submissions: rows of the operational store's table forecast_submissions (entry screens), as
-- extracted into raw/ops. One row per forecast_submission_id: the latest version; soft-deleted rows left out.
{{ ops_staging('forecast_submissions', key='forecast_submission_id') }}
