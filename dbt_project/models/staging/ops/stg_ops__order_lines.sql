-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.order_lines: rows of the operational store's table order_lines (entry screens), as
-- extracted into raw/ops. One row per order_line_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'order_lines') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})                as order_line_id,
        cast(owner_id as {{ dbt.type_bigint() }})          as owner_id,
        cast(order_id as {{ dbt.type_bigint() }})          as order_id,
        cast(product_id as {{ dbt.type_bigint() }})        as product_id,
        cast(price_book_id as {{ dbt.type_bigint() }})     as price_book_id,

        -- attributes
        cast(unit as {{ dbt.type_string() }})              as unit,
        cast(tolerance_type as {{ dbt.type_string() }})    as tolerance_type,
        cast(source_system as {{ dbt.type_string() }})     as source_system,
        cast(version as {{ dbt.type_bigint() }})           as version,

        -- amounts
        cast(quantity as {{ type_decimal(18, 3) }})        as quantity,
        cast(list_price as {{ type_decimal() }})           as list_price,
        cast(discount_rate as {{ type_decimal(18, 4) }})   as discount_rate,
        cast(unit_price as {{ type_decimal() }})           as unit_price,
        cast(line_amount as {{ type_decimal() }})          as line_amount,
        cast(tolerance_value as {{ type_decimal(18, 3) }}) as tolerance_value,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})        as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})        as updated_by,

        -- timestamps (Asia/Shanghai local)
        cast(created_at as {{ dbt.type_timestamp() }})     as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})     as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }})     as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})      as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})       as source_row_number,
        {{ utc_to_local('_loaded_at') }}                   as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['order_line_id'],
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
        order_line_id,
        owner_id,
        order_id,
        product_id,
        price_book_id,

        -- attributes
        unit,
        tolerance_type,
        source_system,
        version,

        -- amounts
        quantity,
        list_price,
        discount_rate,
        unit_price,
        line_amount,
        tolerance_value,

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
