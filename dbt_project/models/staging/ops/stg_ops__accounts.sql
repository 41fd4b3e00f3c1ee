-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.accounts: rows of the operational store's table accounts (entry screens), as
-- extracted into raw/ops. One row per account_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'accounts') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})                         as account_id,
        cast(owner_id as {{ dbt.type_bigint() }})                   as owner_id,
        cast(partner_id as {{ dbt.type_bigint() }})                 as partner_id,
        cast(unified_social_credit_code as {{ dbt.type_string() }}) as unified_social_credit_code,

        -- attributes
        cast(account_name as {{ dbt.type_string() }})               as account_name,
        cast(normalized_name as {{ dbt.type_string() }})            as normalized_name,
        cast(company_key as {{ dbt.type_string() }})                as company_key,
        cast(short_name as {{ dbt.type_string() }})                 as short_name,
        cast(industry as {{ dbt.type_string() }})                   as industry,
        cast(level as {{ dbt.type_string() }})                      as level,
        cast(province as {{ dbt.type_string() }})                   as province,
        cast(city as {{ dbt.type_string() }})                       as city,
        cast(address as {{ dbt.type_string() }})                    as address,
        cast(phone as {{ dbt.type_string() }})                      as phone,
        cast(source_system as {{ dbt.type_string() }})              as source_system,
        cast(version as {{ dbt.type_bigint() }})                    as version,

        -- flags
        cast(is_in_pool as {{ dbt.type_boolean() }})                as is_in_pool,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})                 as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})                 as updated_by,

        -- timestamps (Asia/Shanghai local)
        cast(created_at as {{ dbt.type_timestamp() }})              as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})              as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }})              as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})               as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})                as source_row_number,
        {{ utc_to_local('_loaded_at') }}                            as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['account_id'],
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
        account_id,
        owner_id,
        partner_id,
        unified_social_credit_code,

        -- attributes
        account_name,
        normalized_name,
        company_key,
        short_name,
        industry,
        level,
        province,
        city,
        address,
        phone,
        source_system,
        version,

        -- flags
        is_in_pool,

        -- numbers
        created_by,
        updated_by,

        -- timestamps (Asia/Shanghai local)
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
