-- Marketing campaigns (市场活动): cost against the leads, pipeline and won revenue they brought.
-- Attribution: an opportunity belongs to the campaign on the opportunity, else to the campaign of
-- the lead it came from (single touch). ROI = (won revenue - cost) / cost.
-- Sales expenses (sales.expenses, approved or paid) on the campaign's deals are its expense_amount;
-- cost_with_expenses and roi_after_expenses add them to the campaign cost.

with

campaigns as (

    select * from {{ ref('stg_crm__campaigns') }}

),

leads as (

    select campaign_id, count(*) as leads, sum(is_converted) as converted_leads
    from {{ ref('int_leads_joined_to_outcomes') }}
    where campaign_id is not null
    group by campaign_id

),

opportunities as (

    select
        campaign_id,
        count(*)                                                        as opportunities,
        sum(amount)                                                     as pipeline_amount,
        sum(case when not is_closed then amount else 0 end)             as open_pipeline_amount,
        sum(case when is_won then 1 else 0 end)                         as won_opportunities,
        sum(case when is_won then amount else 0 end)                    as won_amount
    from {{ ref('opportunities') }}
    where campaign_id is not null
    group by campaign_id

),

expenses as (

    select campaign_id, sum(counted_amount) as expense_amount
    from {{ ref('expenses') }}
    where campaign_id is not null
    group by campaign_id

),

final as (

    select
        -- ids
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.status,
        campaigns.start_date,
        campaigns.end_date,

        -- counts
        coalesce(leads.leads, 0)                                        as leads,
        coalesce(leads.converted_leads, 0)                              as converted_leads,
        coalesce(opportunities.opportunities, 0)                        as opportunities,
        coalesce(opportunities.won_opportunities, 0)                    as won_opportunities,

        -- amounts (CNY)
        coalesce(campaigns.cost, 0)                                     as cost,
        cast(coalesce(opportunities.pipeline_amount, 0) as {{ type_decimal() }})      as pipeline_amount,
        cast(coalesce(opportunities.open_pipeline_amount, 0) as {{ type_decimal() }}) as open_pipeline_amount,
        cast(coalesce(opportunities.won_amount, 0) as {{ type_decimal() }})           as won_amount,
        cast({{ round_half_up(divide('campaigns.cost', 'nullif(leads.leads, 0)'), 2) }} as {{ type_decimal() }})         as cost_per_lead,

        -- ratios (fractions; roi 1.5 = +150 %)
        cast({{ round_half_up(divide('leads.converted_leads', 'nullif(leads.leads, 0)'), 4) }} as {{ type_decimal(9, 4) }})
                                                                        as lead_conversion_rate,
        cast({{ round_half_up(divide('opportunities.pipeline_amount', 'nullif(campaigns.cost, 0)'), 4) }} as {{ type_decimal(18, 4) }})
                                                                        as pipeline_to_cost,
        cast({{ round_half_up(divide('coalesce(opportunities.won_amount, 0) - campaigns.cost', 'nullif(campaigns.cost, 0)'), 4) }}
             as {{ type_decimal(18, 4) }})                              as roi,

        -- with the sales expenses of the campaign's deals (sales.expenses)
        cast(coalesce(expenses.expense_amount, 0) as {{ type_decimal() }})             as expense_amount,
        cast(coalesce(campaigns.cost, 0) + coalesce(expenses.expense_amount, 0) as {{ type_decimal() }})
                                                                        as cost_with_expenses,
        cast({{ round_half_up(divide('coalesce(opportunities.won_amount, 0) - coalesce(campaigns.cost, 0) - coalesce(expenses.expense_amount, 0)',
                                     'nullif(coalesce(campaigns.cost, 0) + coalesce(expenses.expense_amount, 0), 0)'), 4) }}
             as {{ type_decimal(18, 4) }})                              as roi_after_expenses

    from campaigns
    left join leads on campaigns.campaign_id = leads.campaign_id
    left join opportunities on campaigns.campaign_id = opportunities.campaign_id
    left join expenses on campaigns.campaign_id = expenses.campaign_id

)

select * from final
