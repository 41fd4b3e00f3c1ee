-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.payment_installments: rows of the operational store's table payment_installments (entry screens), as
-- extracted into raw/ops. One row per installment_id: the latest version; soft-deleted rows left out.
{{ ops_staging('payment_installments', key='installment_id') }}
