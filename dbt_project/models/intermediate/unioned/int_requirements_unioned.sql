-- All product requirements: the call center's (stg_callcenter__requirements) and the ones raised
-- from tickets on the entry screens (stg_ops__product_requirements, REQ-OPS-…), in
-- stg_callcenter__requirements's columns and types; source_system 'callcenter' | 'ops'.
-- requirement_demand ranks them together (issue 21).

{{ union_store_rows(
    extracted=ref('stg_callcenter__requirements'),
    entered=ref('stg_ops__product_requirements'),
    source_system='callcenter',
    source_system_after='product_manager_id'
) }}
