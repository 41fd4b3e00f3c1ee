-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.dispatch_events: rows of the operational store's table dispatch_events (entry screens), as
-- extracted into raw/ops. One row per dispatch_event_id: the latest version; soft-deleted rows left out.
{{ ops_staging('dispatch_events', key='dispatch_event_id') }}
