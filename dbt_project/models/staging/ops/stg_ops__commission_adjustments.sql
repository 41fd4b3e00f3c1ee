-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.commission_adjustments: rows of the operational store's table commission_adjustments (entry screens), as
-- extracted into raw/ops. One row per commission_adjustment_id: the latest version; soft-deleted rows left out.
{{ ops_staging('commission_adjustments', key='commission_adjustment_id') }}
