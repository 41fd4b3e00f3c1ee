-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.delivery_lines: rows of the operational store's table delivery_lines (entry screens), as
-- extracted into raw/ops. One row per delivery_line_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'delivery_lines') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})            as delivery_line_id,
        cast(owner_id as {{ dbt.type_bigint() }})      as owner_id,
        cast(delivery_id as {{ dbt.type_bigint() }})   as delivery_id,
        cast(order_line_id as {{ dbt.type_bigint() }}) as order_line_id,
        cast(order_id as {{ dbt.type_bigint() }})      as order_id,

        -- attributes
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(version as {{ dbt.type_bigint() }})       as version,

        -- amounts
        cast(quantity as {{ type_decimal(18, 3) }})    as quantity,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})    as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})    as updated_by,

        -- timestamps (Asia/Shanghai local)
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }}) as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})  as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})   as source_row_number,
        {{ utc_to_local('_loaded_at') }}               as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['delivery_line_id'],
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
        delivery_line_id,
        owner_id,
        delivery_id,
        order_line_id,
        order_id,

        -- attributes
        source_system,
        version,

        -- amounts
        quantity,

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
