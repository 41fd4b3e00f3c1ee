-- crm.opportunity_stage_history delivered by the crm extracts (stg_crm__opportunity_stage_history) and entered in the
-- operational store (stg_ops__opportunity_stage_history), one row set: what every mart means by "opportunity stage history".
-- source_system tells them apart ('xsy' | 'ops').

{{ union_store_rows(
    extracted=ref('stg_crm__opportunity_stage_history'),
    entered=ref('stg_ops__opportunity_stage_history'),
    source_system='xsy',
    source_system_after='opportunity_id',
    defaults={'entity_type': "'opportunityStageHistory'"}
) }}
