-- All opportunity stage history: the rows the extracts delivered
-- (stg_crm__opportunity_stage_history) and the rows entered in the operational store
-- (stg_ops__opportunity_stage_history), in stg_crm__opportunity_stage_history's columns and types;
-- source_system tells them apart ('xsy' | 'ops'). Marts read this model, never the two staging
-- models.

{{ union_store_rows(
    extracted=ref('stg_crm__opportunity_stage_history'),
    entered=ref('stg_ops__opportunity_stage_history'),
    source_system='xsy',
    source_system_after='opportunity_id',
    defaults={'entity_type': "'opportunityStageHistory'"}
) }}
