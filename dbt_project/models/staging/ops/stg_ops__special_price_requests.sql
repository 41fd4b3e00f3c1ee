-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.special_price_requests: rows of the operational store's table special_price_requests (entry screens), as
-- extracted into raw/ops. One row per special_price_request_id: the latest version; soft-deleted rows left out.
{{ ops_staging('special_price_requests', key='special_price_request_id') }}
