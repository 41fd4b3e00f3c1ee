-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.quote_lines: rows of the operational store's table quote_lines (entry screens), as
-- extracted into raw/ops. One row per quote_line_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'quote_lines') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})              as quote_line_id,
        cast(owner_id as {{ dbt.type_bigint() }})        as owner_id,
        cast(quote_id as {{ dbt.type_bigint() }})        as quote_id,
        cast(product_id as {{ dbt.type_bigint() }})      as product_id,

        -- attributes
        cast(source_system as {{ dbt.type_string() }})   as source_system,
        cast(version as {{ dbt.type_bigint() }})         as version,

        -- amounts
        cast(quantity as {{ type_decimal(18, 3) }})      as quantity,
        cast(list_price as {{ type_decimal() }})         as list_price,
        cast(discount_rate as {{ type_decimal(18, 4) }}) as discount_rate,
        cast(unit_price as {{ type_decimal() }})         as unit_price,
        cast(line_amount as {{ type_decimal() }})        as line_amount,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})      as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})      as updated_by,

        -- timestamps (Asia/Shanghai local)
        cast(created_at as {{ dbt.type_timestamp() }})   as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})   as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }})   as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})    as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})     as source_row_number,
        {{ utc_to_local('_loaded_at') }}                 as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['quote_line_id'],
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
        quote_line_id,
        owner_id,
        quote_id,
        product_id,

        -- attributes
        source_system,
        version,

        -- amounts
        quantity,
        list_price,
        discount_rate,
        unit_price,
        line_amount,

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
