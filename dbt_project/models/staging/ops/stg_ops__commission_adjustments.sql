-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.commission_adjustments: rows of the operational store's table commission_adjustments (entry screens), as
-- extracted into raw/ops. One row per commission_adjustment_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'commission_adjustments') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})            as commission_adjustment_id,
        cast(user_id as {{ dbt.type_bigint() }})       as user_id,

        -- attributes
        cast(period as {{ dbt.type_string() }})        as period,
        cast(reason as {{ dbt.type_string() }})        as reason,
        cast(author as {{ dbt.type_string() }})        as author,
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(version as {{ dbt.type_bigint() }})       as version,

        -- amounts
        cast(amount as {{ type_decimal() }})           as amount,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})    as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})    as updated_by,

        -- timestamps (Asia/Shanghai local)
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }}) as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})  as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})   as source_row_number,
        {{ utc_to_local('_loaded_at') }}               as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['commission_adjustment_id'],
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
        commission_adjustment_id,
        user_id,

        -- attributes
        period,
        reason,
        author,
        source_system,
        version,

        -- amounts
        amount,

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
