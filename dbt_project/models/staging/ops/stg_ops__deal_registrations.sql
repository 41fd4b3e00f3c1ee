-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.deal_registrations: rows of the operational store's table deal_registrations (entry screens), as
-- extracted into raw/ops. One row per registration_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'deal_registrations') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})                 as registration_id,
        cast(partner_id as {{ dbt.type_bigint() }})         as partner_id,
        cast(crm_opportunity_id as {{ dbt.type_bigint() }}) as crm_opportunity_id,
        cast(account_id as {{ dbt.type_bigint() }})         as account_id,

        -- attributes
        cast(customer_name as {{ dbt.type_string() }})      as customer_name,
        cast(normalized_name as {{ dbt.type_string() }})    as normalized_name,
        cast(company_key as {{ dbt.type_string() }})        as company_key,
        cast(product_line as {{ dbt.type_string() }})       as product_line,
        cast(status as {{ dbt.type_string() }})             as status,
        cast(conflict_note as {{ dbt.type_string() }})      as conflict_note,
        cast(decision_comment as {{ dbt.type_string() }})   as decision_comment,
        cast(source_system as {{ dbt.type_string() }})      as source_system,
        cast(version as {{ dbt.type_bigint() }})            as version,

        -- flags
        cast(has_conflict as {{ dbt.type_boolean() }})      as has_conflict,

        -- amounts
        cast(estimated_amount as {{ type_decimal() }})      as estimated_amount,

        -- numbers
        cast(approved_by as {{ dbt.type_bigint() }})        as approved_by,
        cast(protection_days as {{ dbt.type_bigint() }})    as protection_days,
        cast(created_by as {{ dbt.type_bigint() }})         as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})         as updated_by,

        -- dates
        cast(protected_until as {{ type_date() }})          as protected_until,
        cast(expected_close_date as {{ type_date() }})      as expected_close_date,

        -- timestamps (Asia/Shanghai local)
        cast(submitted_at as {{ dbt.type_timestamp() }})    as submitted_at,
        cast(approved_at as {{ dbt.type_timestamp() }})     as approved_at,
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
        key_columns=['registration_id'],
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
        registration_id,
        partner_id,
        crm_opportunity_id,
        account_id,

        -- attributes
        customer_name,
        normalized_name,
        company_key,
        product_line,
        status,
        conflict_note,
        decision_comment,
        source_system,
        version,

        -- flags
        has_conflict,

        -- amounts
        estimated_amount,

        -- numbers
        approved_by,
        protection_days,
        created_by,
        updated_by,

        -- dates
        protected_until,
        expected_close_date,

        -- timestamps (Asia/Shanghai local)
        submitted_at,
        approved_at,
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
