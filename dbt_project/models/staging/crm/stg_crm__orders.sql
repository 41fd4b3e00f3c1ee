-- crm.orders: Sales orders (订单). One row per order_id: the latest version, i.e. the highest
-- updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'orders') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})            as order_id,
        cast(ownerId as {{ dbt.type_bigint() }})       as owner_id,
        cast(orderNo as {{ dbt.type_string() }})       as order_no,
        cast(accountId as {{ dbt.type_bigint() }})     as account_id,
        cast(opportunityId as {{ dbt.type_bigint() }}) as opportunity_id,
        cast(quoteId as {{ dbt.type_bigint() }})       as quote_id,
        cast(contractId as {{ dbt.type_bigint() }})    as contract_id,
        cast(partnerId as {{ dbt.type_bigint() }})     as partner_id,
        cast(dimDepart as {{ dbt.type_bigint() }})     as department_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})    as entity_type,
        cast(status as {{ dbt.type_string() }})        as status,

        -- amounts
        cast(totalAmount as {{ type_decimal() }})      as total_amount,

        -- dates
        cast(orderDate as {{ type_date() }})           as order_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['order_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        order_id,
        owner_id,
        order_no,
        account_id,
        opportunity_id,
        quote_id,
        contract_id,
        partner_id,
        department_id,

        -- attributes
        entity_type,
        status,

        -- amounts
        total_amount,

        -- dates
        order_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
