-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.product_requirements: rows of the operational store's table product_requirements (entry screens), as
-- extracted into raw/ops. One row per product_requirement_id: the latest version; soft-deleted rows left out.
{{ ops_staging('product_requirements', key='product_requirement_id') }}
