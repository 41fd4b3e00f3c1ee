-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.leads: rows of the operational store's table leads (entry screens), as
-- extracted into raw/ops. One row per lead_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'leads') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})                       as lead_id,
        cast(owner_id as {{ dbt.type_bigint() }})                 as owner_id,
        cast(previous_owner_id as {{ dbt.type_bigint() }})        as previous_owner_id,
        cast(campaign_id as {{ dbt.type_bigint() }})              as campaign_id,
        cast(partner_id as {{ dbt.type_bigint() }})               as partner_id,
        cast(converted_account_id as {{ dbt.type_bigint() }})     as converted_account_id,
        cast(converted_opportunity_id as {{ dbt.type_bigint() }}) as converted_opportunity_id,

        -- attributes
        cast(lead_name as {{ dbt.type_string() }})                as lead_name,
        cast(company_name as {{ dbt.type_string() }})             as company_name,
        cast(mobile as {{ dbt.type_string() }})                   as mobile,
        cast(email as {{ dbt.type_string() }})                    as email,
        cast(lead_source as {{ dbt.type_string() }})              as lead_source,
        cast(status as {{ dbt.type_string() }})                   as status,
        cast(province as {{ dbt.type_string() }})                 as province,
        cast(city as {{ dbt.type_string() }})                     as city,
        cast(industry as {{ dbt.type_string() }})                 as industry,
        cast(pool_return_reason as {{ dbt.type_string() }})       as pool_return_reason,
        cast(source_system as {{ dbt.type_string() }})            as source_system,
        cast(version as {{ dbt.type_bigint() }})                  as version,

        -- flags
        cast(is_in_pool as {{ dbt.type_boolean() }})              as is_in_pool,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})               as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})               as updated_by,

        -- timestamps (Asia/Shanghai local)
        cast(pool_entered_at as {{ dbt.type_timestamp() }})       as pool_entered_at,
        cast(last_follow_up_at as {{ dbt.type_timestamp() }})     as last_follow_up_at,
        cast(assigned_at as {{ dbt.type_timestamp() }})           as assigned_at,
        cast(converted_at as {{ dbt.type_timestamp() }})          as converted_at,
        cast(created_at as {{ dbt.type_timestamp() }})            as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})            as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }})            as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})             as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})              as source_row_number,
        {{ utc_to_local('_loaded_at') }}                          as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['lead_id'],
        order_by=[
            'version desc',
            'loaded_at desc',
            'source_file desc',
            'source_row_number desc'
        ]
    ) }}

),

final as (

    select
        -- ids
        lead_id,
        owner_id,
        previous_owner_id,
        campaign_id,
        partner_id,
        converted_account_id,
        converted_opportunity_id,

        -- attributes
        lead_name,
        company_name,
        mobile,
        email,
        lead_source,
        status,
        province,
        city,
        industry,
        pool_return_reason,
        source_system,
        version,

        -- flags
        is_in_pool,

        -- numbers
        created_by,
        updated_by,

        -- timestamps (Asia/Shanghai local)
        pool_entered_at,
        last_follow_up_at,
        assigned_at,
        converted_at,
        created_at,
        updated_at,
        deleted_at,

        -- lineage
        source_file,
        source_row_number,
        loaded_at

    from deduplicated
    where deleted_at is null

)

select * from final
