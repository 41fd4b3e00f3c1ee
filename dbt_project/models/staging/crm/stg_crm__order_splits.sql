-- crm.order_splits: Sales-credit splits (业绩分配) of an order between people, in percent. One row per
-- order_split_id: the latest version, i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'order_splits') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})           as order_split_id,
        cast(ownerId as {{ dbt.type_bigint() }})      as owner_id,
        cast(orderId as {{ dbt.type_bigint() }})      as order_id,
        cast(userId as {{ dbt.type_bigint() }})       as user_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})   as entity_type,

        -- amounts
        cast(splitPercent as {{ type_decimal() }})    as split_pct,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['order_split_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        order_split_id,
        owner_id,
        order_id,
        user_id,

        -- attributes
        entity_type,

        -- amounts
        split_pct,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
