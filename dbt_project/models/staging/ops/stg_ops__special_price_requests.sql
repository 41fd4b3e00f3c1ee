-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.special_price_requests: rows of the operational store's table special_price_requests (entry screens), as
-- extracted into raw/ops. One row per special_price_request_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'special_price_requests') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})               as special_price_request_id,
        cast(partner_id as {{ dbt.type_bigint() }})       as partner_id,
        cast(registration_id as {{ dbt.type_bigint() }})  as registration_id,
        cast(opportunity_id as {{ dbt.type_bigint() }})   as opportunity_id,
        cast(product_id as {{ dbt.type_bigint() }})       as product_id,
        cast(product_code as {{ dbt.type_string() }})     as product_code,

        -- attributes
        cast(status as {{ dbt.type_string() }})           as status,
        cast(reason as {{ dbt.type_string() }})           as reason,
        cast(decision_comment as {{ dbt.type_string() }}) as decision_comment,
        cast(source_system as {{ dbt.type_string() }})    as source_system,
        cast(version as {{ dbt.type_bigint() }})          as version,

        -- amounts
        cast(quantity as {{ type_decimal(18, 3) }})       as quantity,
        cast(list_price as {{ type_decimal() }})          as list_price,
        cast(requested_price as {{ type_decimal() }})     as requested_price,
        cast(approved_price as {{ type_decimal() }})      as approved_price,

        -- numbers
        cast(decided_by as {{ dbt.type_bigint() }})       as decided_by,
        cast(created_by as {{ dbt.type_bigint() }})       as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})       as updated_by,

        -- dates
        cast(valid_until as {{ type_date() }})            as valid_until,

        -- timestamps (Asia/Shanghai local)
        cast(requested_at as {{ dbt.type_timestamp() }})  as requested_at,
        cast(decided_at as {{ dbt.type_timestamp() }})    as decided_at,
        cast(created_at as {{ dbt.type_timestamp() }})    as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})    as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }})    as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})     as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})      as source_row_number,
        {{ utc_to_local('_loaded_at') }}                  as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['special_price_request_id'],
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
        special_price_request_id,
        partner_id,
        registration_id,
        opportunity_id,
        product_id,
        product_code,

        -- attributes
        status,
        reason,
        decision_comment,
        source_system,
        version,

        -- amounts
        quantity,
        list_price,
        requested_price,
        approved_price,

        -- numbers
        decided_by,
        created_by,
        updated_by,

        -- dates
        valid_until,

        -- timestamps (Asia/Shanghai local)
        requested_at,
        decided_at,
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
