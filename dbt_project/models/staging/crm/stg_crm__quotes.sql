-- crm.quotes: Quotes (报价单) on opportunities. One row per quote_id: the latest version, i.e. the
-- highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'quotes') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})             as quote_id,
        cast(ownerId as {{ dbt.type_bigint() }})        as owner_id,
        cast(quoteNo as {{ dbt.type_string() }})        as quote_no,
        cast(opportunityId as {{ dbt.type_bigint() }})  as opportunity_id,
        cast(accountId as {{ dbt.type_bigint() }})      as account_id,
        cast(priceBookId as {{ dbt.type_bigint() }})    as price_book_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})     as entity_type,
        cast(status as {{ dbt.type_string() }})         as status,

        -- amounts
        cast(totalAmount as {{ type_decimal() }})       as total_amount,
        cast(discountRate as {{ type_decimal(18, 4) }}) as discount_rate,

        -- numbers
        cast(approvedBy as {{ dbt.type_bigint() }})     as approved_by,

        -- dates
        cast(quoteDate as {{ type_date() }})            as quote_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['quote_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        quote_id,
        owner_id,
        quote_no,
        opportunity_id,
        account_id,
        price_book_id,

        -- attributes
        entity_type,
        status,

        -- amounts
        total_amount,
        discount_rate,

        -- numbers
        approved_by,

        -- dates
        quote_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
