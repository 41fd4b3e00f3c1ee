-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.contacts: rows of the operational store's table contacts (entry screens), as
-- extracted into raw/ops. One row per contact_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'contacts') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})                 as contact_id,
        cast(owner_id as {{ dbt.type_bigint() }})           as owner_id,
        cast(partner_id as {{ dbt.type_bigint() }})         as partner_id,
        cast(account_id as {{ dbt.type_bigint() }})         as account_id,

        -- attributes
        cast(contact_name as {{ dbt.type_string() }})       as contact_name,
        cast(title as {{ dbt.type_string() }})              as title,
        cast(mobile as {{ dbt.type_string() }})             as mobile,
        cast(email as {{ dbt.type_string() }})              as email,
        cast(source_system as {{ dbt.type_string() }})      as source_system,
        cast(version as {{ dbt.type_bigint() }})            as version,

        -- flags
        cast(is_decision_maker as {{ dbt.type_boolean() }}) as is_decision_maker,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})         as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})         as updated_by,

        -- timestamps (Asia/Shanghai local)
        cast(created_at as {{ dbt.type_timestamp() }})      as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})      as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }})      as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})       as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})        as source_row_number,
        {{ utc_to_local('_loaded_at') }}                    as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['contact_id'],
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
        contact_id,
        owner_id,
        partner_id,
        account_id,

        -- attributes
        contact_name,
        title,
        mobile,
        email,
        source_system,
        version,

        -- flags
        is_decision_maker,

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
