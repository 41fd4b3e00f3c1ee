-- Every opportunity with the sales expenses spent on it: margin after expenses = won amount -
-- counted expenses (approved or paid; sales.expenses) for a won deal, minus the expenses alone for
-- an open or lost one (what it has cost so far). No cost of goods here: the CRM deal carries no
-- product cost, so this is the deal's contribution after sales expenses.

with

opportunities as (

    select * from {{ ref('opportunities') }}

),

expenses as (

    select
        opportunity_id,
        count(*)                                                     as expense_count,
        sum(counted_amount)                                          as expense_amount,
        sum(case when is_pending then amount else 0 end)             as pending_expense_amount
    from {{ ref('expenses') }}
    where opportunity_id is not null
    group by 1

),

final as (

    select
        -- ids
        opportunities.opportunity_id,
        opportunities.opportunity_name,
        opportunities.owner_id,
        opportunities.owner_name,
        opportunities.department_id,
        opportunities.department_name,
        opportunities.account_id,
        opportunities.account_name,
        opportunities.company_key,
        opportunities.campaign_id,
        opportunities.campaign_name,

        -- state
        opportunities.stage,
        opportunities.status,
        opportunities.is_won,
        opportunities.closed_date,

        -- counts
        coalesce(expenses.expense_count, 0)                          as expense_count,

        -- amounts (CNY)
        opportunities.amount,
        cast(case when opportunities.is_won then opportunities.amount else 0 end as {{ type_decimal() }})
                                                                     as won_amount,
        cast(coalesce(expenses.expense_amount, 0) as {{ type_decimal() }})         as expense_amount,
        cast(coalesce(expenses.pending_expense_amount, 0) as {{ type_decimal() }}) as pending_expense_amount,
        cast((case when opportunities.is_won then opportunities.amount else 0 end)
             - coalesce(expenses.expense_amount, 0) as {{ type_decimal() }})       as margin_after_expenses,

        -- ratios (fractions)
        cast({{ round_half_up("case when opportunities.is_won and opportunities.amount > 0 then "
             ~ divide('opportunities.amount - coalesce(expenses.expense_amount, 0)', 'opportunities.amount')
             ~ " end", 4) }} as {{ type_decimal(9, 4) }})            as margin_rate

    from opportunities
    left join expenses
        on opportunities.opportunity_id = expenses.opportunity_id

)

select * from final
