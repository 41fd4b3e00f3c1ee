-- crm.accounts: Customer companies (客户) as typed by reps; names vary, see docs/sources.md. One row
-- per account_id: the latest version, i.e. the highest updatedAt, then the latest load.

with

source as (

    select * from {{ source('crm', 'accounts') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})                      as account_id,
        cast(ownerId as {{ dbt.type_bigint() }})                 as owner_id,
        cast(partnerId as {{ dbt.type_bigint() }})               as partner_id,
        cast(unifiedSocialCreditCode as {{ dbt.type_string() }}) as unified_social_credit_code,

        -- attributes
        cast(entityType as {{ dbt.type_string() }})              as entity_type,
        cast(accountName as {{ dbt.type_string() }})             as account_name,
        cast(shortName as {{ dbt.type_string() }})               as short_name,
        cast(industry as {{ dbt.type_string() }})                as industry,
        cast(level as {{ dbt.type_string() }})                   as level,
        cast(province as {{ dbt.type_string() }})                as province,
        cast(city as {{ dbt.type_string() }})                    as city,
        cast(address as {{ dbt.type_string() }})                 as address,
        cast(phone as {{ dbt.type_string() }})                   as phone,

        -- flags
        cast(inPool as {{ dbt.type_boolean() }})                 as is_in_pool,

        -- timestamps (local) and lineage
        {{ crm_record_metadata() }},

        -- a delete marker: the record was deleted in the CRM (macros/crm_deletes.sql)
        {{ crm_is_deleted() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['account_id'], newest_first=['updated_at desc', 'is_deleted desc']) }}
),

final as (

    select
        -- ids
        account_id,
        owner_id,
        partner_id,
        unified_social_credit_code,

        -- attributes
        entity_type,
        account_name,
        short_name,
        industry,
        level,
        province,
        city,
        address,
        phone,

        -- flags
        is_in_pool,

        -- timestamps (local) and lineage
        {{ crm_record_metadata_columns() }}

    from deduplicated
    where not is_deleted  -- an id whose newest version is a delete is left out

)

select * from final
