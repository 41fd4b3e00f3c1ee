-- crm.contracts: Signed contracts (合同). One row per contract_id: the latest version, i.e. the
-- highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'contracts') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})            as contract_id,
        cast(ownerId as {{ dbt.type_bigint() }})       as owner_id,
        cast(contractNo as {{ dbt.type_string() }})    as contract_no,
        cast(accountId as {{ dbt.type_bigint() }})     as account_id,
        cast(opportunityId as {{ dbt.type_bigint() }}) as opportunity_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})    as entity_type,
        cast(paymentTerms as {{ dbt.type_string() }})  as payment_terms,
        cast(status as {{ dbt.type_string() }})        as status,

        -- amounts
        cast(totalAmount as {{ type_decimal() }})      as total_amount,

        -- dates
        cast(signDate as {{ type_date() }})            as sign_date,
        cast(startDate as {{ type_date() }})           as start_date,
        cast(endDate as {{ type_date() }})             as end_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['contract_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        contract_id,
        owner_id,
        contract_no,
        account_id,
        opportunity_id,

        -- attributes
        entity_type,
        payment_terms,
        status,

        -- amounts
        total_amount,

        -- dates
        sign_date,
        start_date,
        end_date,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
