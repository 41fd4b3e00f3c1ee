-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.orders: rows of the operational store's table orders (entry screens), as
-- extracted into raw/ops. One row per order_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'orders') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})             as order_id,
        cast(owner_id as {{ dbt.type_bigint() }})       as owner_id,
        cast(order_no as {{ dbt.type_string() }})       as order_no,
        cast(account_id as {{ dbt.type_bigint() }})     as account_id,
        cast(opportunity_id as {{ dbt.type_bigint() }}) as opportunity_id,
        cast(quote_id as {{ dbt.type_bigint() }})       as quote_id,
        cast(contract_id as {{ dbt.type_bigint() }})    as contract_id,
        cast(partner_id as {{ dbt.type_bigint() }})     as partner_id,
        cast(department_id as {{ dbt.type_bigint() }})  as department_id,

        -- attributes
        cast(status as {{ dbt.type_string() }})         as status,
        cast(source_system as {{ dbt.type_string() }})  as source_system,
        cast(version as {{ dbt.type_bigint() }})        as version,

        -- amounts
        cast(total_amount as {{ type_decimal() }})      as total_amount,

        -- numbers
        cast(created_by as {{ dbt.type_bigint() }})     as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})     as updated_by,

        -- dates
        cast(order_date as {{ type_date() }})           as order_date,

        -- timestamps (Asia/Shanghai local)
        cast(created_at as {{ dbt.type_timestamp() }})  as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})  as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }})  as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})   as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})    as source_row_number,
        {{ utc_to_local('_loaded_at') }}                as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['order_id'],
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
        status,
        source_system,
        version,

        -- amounts
        total_amount,

        -- numbers
        created_by,
        updated_by,

        -- dates
        order_date,

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
