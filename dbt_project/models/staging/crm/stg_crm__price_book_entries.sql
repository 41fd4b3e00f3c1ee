-- crm.price_book_entries: Prices of products in a price book. One row per price_book_entry_id: the
-- latest version, i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'price_book_entries') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})           as price_book_entry_id,
        cast(ownerId as {{ dbt.type_bigint() }})      as owner_id,
        cast(priceBookId as {{ dbt.type_bigint() }})  as price_book_id,
        cast(productId as {{ dbt.type_bigint() }})    as product_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})   as entity_type,

        -- amounts
        cast(unitPrice as {{ type_decimal() }})       as unit_price,

        -- timestamps (Asia/Shanghai local)
        {{ epoch_ms_to_local('createdAt') }}          as created_at,
        {{ epoch_ms_to_local('updatedAt') }}          as updated_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})  as source_row_number,
        {{ utc_to_local('_loaded_at') }}              as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['price_book_entry_id'],
        order_by=[
            'updated_at desc',
            'loaded_at desc',
            'source_file desc',
            'source_row_number desc'
        ]
    ) }}

),

final as (

    select
        -- ids
        price_book_entry_id,
        owner_id,
        price_book_id,
        product_id,

        -- attributes
        entity_type,

        -- amounts
        unit_price,

        -- timestamps (Asia/Shanghai local)
        created_at,
        updated_at,

        -- lineage
        source_file,
        source_row_number,
        loaded_at

    from deduplicated

)

select * from final
