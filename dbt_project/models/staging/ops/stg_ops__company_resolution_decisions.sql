-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.company_resolution_decisions: rows of the operational store's table company_resolution_decisions (entry screens), as
-- extracted into raw/ops. One row per company_resolution_decision_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'company_resolution_decisions') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})              as company_resolution_decision_id,

        -- attributes
        cast(typed_name as {{ dbt.type_string() }})      as typed_name,
        cast(normalized_name as {{ dbt.type_string() }}) as normalized_name,
        cast(company_key as {{ dbt.type_string() }})     as company_key,
        cast(decision as {{ dbt.type_string() }})        as decision,
        cast(comment as {{ dbt.type_string() }})         as comment,
        cast(source_system as {{ dbt.type_string() }})   as source_system,
        cast(version as {{ dbt.type_bigint() }})         as version,

        -- numbers
        cast(decided_by as {{ dbt.type_bigint() }})      as decided_by,
        cast(created_by as {{ dbt.type_bigint() }})      as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})      as updated_by,

        -- timestamps (Asia/Shanghai local)
        cast(decided_at as {{ dbt.type_timestamp() }})   as decided_at,
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
        key_columns=['company_resolution_decision_id'],
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
        company_resolution_decision_id,

        -- attributes
        typed_name,
        normalized_name,
        company_key,
        decision,
        comment,
        source_system,
        version,

        -- numbers
        decided_by,
        created_by,
        updated_by,

        -- timestamps (Asia/Shanghai local)
        decided_at,
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
