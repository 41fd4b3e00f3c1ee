-- crm.leads: Sales leads (销售线索) with source channel, campaign and status; inPool marks the lead
-- pool (公海). One row per lead_id: the latest version, i.e. the highest updatedAt, then the latest
-- load.

with

source as (

    select * from {{ source('crm', 'leads') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})                     as lead_id,
        cast(ownerId as {{ dbt.type_bigint() }})                as owner_id,
        cast(campaignId as {{ dbt.type_bigint() }})             as campaign_id,
        cast(convertedAccountId as {{ dbt.type_bigint() }})     as converted_account_id,
        cast(convertedOpportunityId as {{ dbt.type_bigint() }}) as converted_opportunity_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})             as entity_type,
        cast(name as {{ dbt.type_string() }})                   as lead_name,
        cast(companyName as {{ dbt.type_string() }})            as company_name,
        cast(mobile as {{ dbt.type_string() }})                 as mobile,
        cast(email as {{ dbt.type_string() }})                  as email,
        cast(leadSource as {{ dbt.type_string() }})             as lead_source,
        cast(status as {{ dbt.type_string() }})                 as status,
        cast(province as {{ dbt.type_string() }})               as province,
        cast(city as {{ dbt.type_string() }})                   as city,
        cast(industry as {{ dbt.type_string() }})               as industry,

        -- flags
        cast(inPool as {{ dbt.type_boolean() }})                as is_in_pool,

        -- timestamps (Asia/Shanghai local)
        {{ epoch_ms_to_local('createdAt') }} as created_at,
        {{ epoch_ms_to_local('updatedAt') }} as updated_at,
        {{ epoch_ms_to_local('convertedAt') }}                  as converted_at,

        -- lineage
        {{ staging_lineage() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['lead_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        lead_id,
        owner_id,
        campaign_id,
        converted_account_id,
        converted_opportunity_id,

        -- attributes
        entity_type,
        lead_name,
        company_name,
        mobile,
        email,
        lead_source,
        status,
        province,
        city,
        industry,

        -- flags
        is_in_pool,

        -- timestamps (Asia/Shanghai local)
        created_at,
        updated_at,
        converted_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
