-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.deal_registrations: rows of the operational store's table deal_registrations (entry screens), as
-- extracted into raw/ops. One row per registration_id: the latest version; soft-deleted rows left out.
{{ ops_staging('deal_registrations', key='registration_id') }}
