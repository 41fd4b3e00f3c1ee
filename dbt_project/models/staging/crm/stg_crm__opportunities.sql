-- crm.opportunities: Opportunities (商机). winRate is the CRM's stage probability in percent
-- (0-100). One row per opportunity_id: the latest version, i.e. the highest updatedAt, then the
-- latest load.

with

source as (

    select * from {{ source('crm', 'opportunities') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})               as opportunity_id,
        cast(ownerId as {{ dbt.type_bigint() }})          as owner_id,
        cast(accountId as {{ dbt.type_bigint() }})        as account_id,
        cast(leadId as {{ dbt.type_bigint() }})           as lead_id,
        cast(campaignId as {{ dbt.type_bigint() }})       as campaign_id,
        cast(dimDepart as {{ dbt.type_bigint() }})        as department_id,
        cast(partnerId as {{ dbt.type_bigint() }})        as partner_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})       as entity_type,
        cast(opportunityName as {{ dbt.type_string() }})  as opportunity_name,
        cast(opportunityType as {{ dbt.type_string() }})  as opportunity_type,
        cast(stage as {{ dbt.type_string() }})            as stage,
        cast(forecastCategory as {{ dbt.type_string() }}) as forecast_category,
        cast(status as {{ dbt.type_string() }})           as status,
        cast(lossReason as {{ dbt.type_string() }})       as loss_reason,

        -- amounts
        cast(amount as {{ type_decimal() }})              as amount,

        -- numbers
        cast(winRate as {{ dbt.type_bigint() }})          as win_rate_pct,

        -- dates
        cast(closeDate as {{ type_date() }})              as close_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['opportunity_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        opportunity_id,
        owner_id,
        account_id,
        lead_id,
        campaign_id,
        department_id,
        partner_id,

        -- attributes
        entity_type,
        opportunity_name,
        opportunity_type,
        stage,
        forecast_category,
        status,
        loss_reason,

        -- amounts
        amount,

        -- numbers
        win_rate_pct,

        -- dates
        close_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
