-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.payment_plans: rows of the operational store's table payment_plans (entry screens), as
-- extracted into raw/ops. One row per payment_plan_id: the latest version; soft-deleted rows left out.
{{ ops_staging('payment_plans', key='payment_plan_id') }}
