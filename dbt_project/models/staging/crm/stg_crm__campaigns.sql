-- crm.campaigns: Marketing campaigns (市场活动) with their cost. One row per campaign_id: the latest
-- version, i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'campaigns') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})           as campaign_id,
        cast(ownerId as {{ dbt.type_bigint() }})      as owner_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})   as entity_type,
        cast(name as {{ dbt.type_string() }})         as campaign_name,
        cast(campaignType as {{ dbt.type_string() }}) as campaign_type,
        cast(status as {{ dbt.type_string() }})       as status,

        -- amounts
        cast(cost as {{ type_decimal() }})            as cost,

        -- dates
        cast(startDate as {{ type_date() }})          as start_date,
        cast(endDate as {{ type_date() }})            as end_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['campaign_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        campaign_id,
        owner_id,

        -- attributes
        entity_type,
        campaign_name,
        campaign_type,
        status,

        -- amounts
        cost,

        -- dates
        start_date,
        end_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
