-- Lead -> opportunity -> won funnel, by period (month or quarter the lead was created) and one
-- dimension at a time (all, lead_source, campaign, department, owner): counts, amounts,
-- conversion rates and median conversion times. Rates are fractions 0-1, ready to re-use:
-- re-aggregate counts, not rates. Medians cannot be re-aggregated; read them at their grain.

{% set dimensions = {
    'all': ["'全部 All'", "'全部 All'"],
    'lead_source': ['lead_source', 'lead_source'],
    'campaign': ['cast(campaign_id as ' ~ dbt.type_string() ~ ')', 'campaign_name'],
    'department': ['cast(department_id as ' ~ dbt.type_string() ~ ')', 'department_name'],
    'owner': ['cast(owner_id as ' ~ dbt.type_string() ~ ')', 'owner_name'],
} %}
{% set periods = {'month': 'lead_month', 'quarter': 'lead_quarter'} %}

with

leads as (

    select * from {{ ref('int_leads_joined_to_outcomes') }}

),

grouped as (

    {% call(period, dimension_item) sales_union_all_grid(periods.items(), dimensions.items()) %}
    {% set period_type, period_column = period %}
    {% set dimension, exprs = dimension_item %}
    select
        '{{ period_type }}'                                  as period_type,
        {{ period_column }}                                  as period_start,
        '{{ dimension }}'                                    as dimension,
        coalesce({{ exprs[0] }}, '(none)')                   as dimension_key,
        max({{ exprs[1] }})                                  as dimension_label,
        count(*)                                             as leads,
        sum(is_converted)                                    as opportunities,
        sum(is_closed)                                       as closed_opportunities,
        sum(is_won)                                          as won_opportunities,
        sum(opportunity_amount)                              as opportunity_amount,
        sum(won_amount)                                      as won_amount,
        {{ sales_median('days_lead_to_opportunity') }}       as median_days_lead_to_opportunity,
        {{ sales_median('days_opportunity_to_won') }}        as median_days_opportunity_to_won
    from leads
    group by {{ period_column }}, coalesce({{ exprs[0] }}, '(none)')
    {% endcall %}

),

final as (

    select
        -- keys
        period_type,
        period_start,
        dimension,
        dimension_key,
        dimension_label,

        -- counts
        leads,
        opportunities,
        closed_opportunities,
        won_opportunities,

        -- amounts (CNY)
        cast(opportunity_amount as {{ type_decimal() }})           as opportunity_amount,
        cast(won_amount as {{ type_decimal() }})                   as won_amount,

        -- rates (fractions 0-1)
        cast({{ divide('opportunities', 'nullif(leads, 0)') }} as {{ type_decimal(9, 4) }})
                                                                   as lead_to_opportunity_rate,
        cast({{ divide('won_opportunities', 'nullif(opportunities, 0)') }} as {{ type_decimal(9, 4) }})
                                                                   as opportunity_to_won_rate,
        cast({{ divide('won_opportunities', 'nullif(closed_opportunities, 0)') }} as {{ type_decimal(9, 4) }})
                                                                   as win_rate_of_closed,
        cast({{ divide('won_opportunities', 'nullif(leads, 0)') }} as {{ type_decimal(9, 4) }})
                                                                   as lead_to_won_rate,

        -- durations (days)
        cast(median_days_lead_to_opportunity as {{ type_decimal(9, 1) }}) as median_days_lead_to_opportunity,
        cast(median_days_opportunity_to_won as {{ type_decimal(9, 1) }})  as median_days_opportunity_to_won

    from grouped

)

select * from final
