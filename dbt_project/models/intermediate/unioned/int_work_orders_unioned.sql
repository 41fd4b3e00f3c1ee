-- All field work orders: the call center's (stg_callcenter__work_orders) and the store's dispatch
-- pool (stg_ops__field_work_orders, WO-OPS-…: grabbed, assigned or force-assigned), in the call
-- center's columns and types; source_system 'callcenter' | 'ops'. field_service_kpis reads this.

{{ union_store_rows(
    extracted=ref('stg_callcenter__work_orders'),
    entered=ref('stg_ops__field_work_orders'),
    source_system='callcenter',
    source_system_after='engineer_id'
) }}
