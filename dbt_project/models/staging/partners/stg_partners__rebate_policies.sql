-- partners.rebate_policies: Tiered rebate policies (返点政策), one row per tier; amounts are net
-- purchases per period. One row per policy_code, tier_no: the latest version, i.e. the latest load
-- (the source has no version field).

with

source as (

    select * from {{ source('partners', 'rebate_policies') }}

),

renamed as (

    select
        -- ids
        cast(policy_code as {{ dbt.type_string() }})  as policy_code,
        cast(tier_no as {{ dbt.type_bigint() }})      as tier_no,

        -- attributes
        cast(policy_name as {{ dbt.type_string() }})  as policy_name,
        cast(period_type as {{ dbt.type_string() }})  as period_type,
        cast(semantics as {{ dbt.type_string() }})    as semantics,
        cast(partner_tier as {{ dbt.type_string() }}) as partner_tier,

        -- amounts
        cast(threshold_from as {{ type_decimal() }})  as threshold_from,
        cast(threshold_to as {{ type_decimal() }})    as threshold_to,
        cast(rate as {{ type_decimal(18, 4) }})       as rate,

        -- dates
        cast(effective_from as {{ type_date() }})     as effective_from,
        cast(effective_to as {{ type_date() }})       as effective_to,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['policy_code', 'tier_no']) }}
),

final as (

    select
        -- ids
        policy_code,
        tier_no,

        -- attributes
        policy_name,
        period_type,
        semantics,
        partner_tier,

        -- amounts
        threshold_from,
        threshold_to,
        rate,

        -- dates
        effective_from,
        effective_to,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
