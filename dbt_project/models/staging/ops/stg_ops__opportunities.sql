-- GENERATED from operational/models: do not edit. Regenerate: python dbt_project/scripts/generate_ops_staging.py
-- ops.opportunities: rows of the operational store's table opportunities (entry screens), as
-- extracted into raw/ops. One row per opportunity_id: the latest version, i.e. the highest version,
-- then the latest extraction; rows whose latest version is soft-deleted are left out.

with

source as (

    select * from {{ source('ops', 'opportunities') }}

),

renamed as (

    select
        -- ids
        cast(id as {{ dbt.type_bigint() }})                        as opportunity_id,
        cast(owner_id as {{ dbt.type_bigint() }})                  as owner_id,
        cast(account_id as {{ dbt.type_bigint() }})                as account_id,
        cast(lead_id as {{ dbt.type_bigint() }})                   as lead_id,
        cast(campaign_id as {{ dbt.type_bigint() }})               as campaign_id,
        cast(department_id as {{ dbt.type_bigint() }})             as department_id,
        cast(partner_id as {{ dbt.type_bigint() }})                as partner_id,
        cast(decision_maker_contact_id as {{ dbt.type_bigint() }}) as decision_maker_contact_id,
        cast(quote_id as {{ dbt.type_bigint() }})                  as quote_id,

        -- attributes
        cast(opportunity_name as {{ dbt.type_string() }})          as opportunity_name,
        cast(opportunity_type as {{ dbt.type_string() }})          as opportunity_type,
        cast(stage as {{ dbt.type_string() }})                     as stage,
        cast(forecast_category as {{ dbt.type_string() }})         as forecast_category,
        cast(status as {{ dbt.type_string() }})                    as status,
        cast(loss_reason as {{ dbt.type_string() }})               as loss_reason,
        cast(next_step as {{ dbt.type_string() }})                 as next_step,
        cast(contract_number as {{ dbt.type_string() }})           as contract_number,
        cast(source_system as {{ dbt.type_string() }})             as source_system,
        cast(version as {{ dbt.type_bigint() }})                   as version,

        -- amounts
        cast(amount as {{ type_decimal() }})                       as amount,

        -- numbers
        cast(win_rate_pct as {{ dbt.type_bigint() }})              as win_rate_pct,
        cast(created_by as {{ dbt.type_bigint() }})                as created_by,
        cast(updated_by as {{ dbt.type_bigint() }})                as updated_by,

        -- dates
        cast(close_date as {{ type_date() }})                      as close_date,

        -- timestamps (Asia/Shanghai local)
        cast(closed_at as {{ dbt.type_timestamp() }})              as closed_at,
        cast(created_at as {{ dbt.type_timestamp() }})             as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }})             as updated_at,
        cast(deleted_at as {{ dbt.type_timestamp() }})             as deleted_at,

        -- lineage
        cast(_source_file as {{ dbt.type_string() }})              as source_file,
        cast(_row_number as {{ dbt.type_bigint() }})               as source_row_number,
        {{ utc_to_local('_loaded_at') }}                           as loaded_at

    from source

),

deduplicated as (

    {{ dedupe_latest(
        'renamed',
        key_columns=['opportunity_id'],
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
        opportunity_id,
        owner_id,
        account_id,
        lead_id,
        campaign_id,
        department_id,
        partner_id,
        decision_maker_contact_id,
        quote_id,

        -- attributes
        opportunity_name,
        opportunity_type,
        stage,
        forecast_category,
        status,
        loss_reason,
        next_step,
        contract_number,
        source_system,
        version,

        -- amounts
        amount,

        -- numbers
        win_rate_pct,
        created_by,
        updated_by,

        -- dates
        close_date,

        -- timestamps (Asia/Shanghai local)
        closed_at,
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
