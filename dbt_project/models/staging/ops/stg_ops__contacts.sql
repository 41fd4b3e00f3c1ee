-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.contacts: rows of the operational store's table contacts (entry screens), as
-- extracted into raw/ops. One row per contact_id: the latest version; soft-deleted rows left out.
{{ ops_staging('contacts', key='contact_id') }}
