-- crm.contacts: People at customer companies (联系人). One row per contact_id: the latest version,
-- i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'contacts') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})               as contact_id,
        cast(ownerId as {{ dbt.type_bigint() }})          as owner_id,
        cast(accountId as {{ dbt.type_bigint() }})        as account_id,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})       as entity_type,
        cast(contactName as {{ dbt.type_string() }})      as contact_name,
        cast(title as {{ dbt.type_string() }})            as title,
        cast(mobile as {{ dbt.type_string() }})           as mobile,
        cast(email as {{ dbt.type_string() }})            as email,

        -- flags
        cast(isDecisionMaker as {{ dbt.type_boolean() }}) as is_decision_maker,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['contact_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        contact_id,
        owner_id,
        account_id,

        -- attributes
        entity_type,
        contact_name,
        title,
        mobile,
        email,

        -- flags
        is_decision_maker,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
