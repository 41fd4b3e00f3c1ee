-- Tiered rebates (返点) per partner, policy and period (partner.md R1): purchases net of returns
-- in the policy's period (month, quarter, year); the tier reached; the rebate both ways —
-- retroactive (the whole net amount at the rate of the tier reached) and marginal (each slice at
-- its tier's rate) — and the rebate due under the policy's own semantics.
-- A policy applies to partners of its partner_tier (all partners when empty) for periods
-- starting within its effective dates.

with

purchases as (

    select * from {{ ref('int_partner_purchases') }}

),

partners as (

    select * from {{ ref('stg_partners__partners') }}

),

policies as (

    select * from {{ ref('stg_partners__rebate_policies') }}

),

policy_heads as (

    select distinct policy_code, policy_name, period_type, semantics, partner_tier,
        effective_from, effective_to
    from policies

),

activity_periods as (

    select
        partner_id,
        activity_date,
        purchase_amount,
        return_amount,
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date)   as month_start,
        cast({{ dbt.date_trunc('quarter', 'activity_date') }} as date) as quarter_start,
        cast({{ dbt.date_trunc('year', 'activity_date') }} as date)    as year_start
    from purchases

),

per_policy as (

    select
        h.policy_code,
        h.policy_name,
        h.semantics,
        h.period_type,
        a.partner_id,
        case h.period_type
            when 'month' then a.month_start
            when 'quarter' then a.quarter_start
            else a.year_start
        end as period_start,
        a.purchase_amount,
        a.return_amount,
        h.effective_from,
        h.effective_to
    from activity_periods a
    inner join partners p on p.partner_id = a.partner_id
    inner join policy_heads h on (h.partner_tier is null or h.partner_tier = p.tier)

),

net as (

    select
        policy_code, policy_name, semantics, period_type, partner_id, period_start,
        sum(purchase_amount)                          as purchases,
        sum(return_amount)                            as returns,
        sum(purchase_amount) - sum(return_amount)     as net_purchases
    from per_policy
    where period_start >= effective_from
      and (effective_to is null or period_start <= effective_to)
    group by policy_code, policy_name, semantics, period_type, partner_id, period_start

),

tiers as (

    select
        n.policy_code, n.partner_id, n.period_start,
        t.tier_no, t.rate, t.threshold_from, t.threshold_to,
        -- the slice of the net amount that falls into this tier
        case
            when n.net_purchases <= t.threshold_from then 0
            when t.threshold_to is null or n.net_purchases < t.threshold_to
                then n.net_purchases - t.threshold_from
            else t.threshold_to - t.threshold_from
        end as slice_amount,
        case
            when n.net_purchases >= t.threshold_from
                and (t.threshold_to is null or n.net_purchases < t.threshold_to) then 1
            else 0
        end as is_reached
    from net n
    inner join policies t on t.policy_code = n.policy_code

),

by_tier as (

    select
        policy_code, partner_id, period_start,
        max(case when is_reached = 1 then tier_no end)  as tier_reached,
        max(case when is_reached = 1 then rate end)     as rate_reached,
        sum(slice_amount * rate)                        as marginal_unrounded
    from tiers
    group by policy_code, partner_id, period_start

),

final as (

    select
        -- ids
        n.policy_code,
        n.partner_id,
        p.partner_code,
        p.partner_name,
        n.period_type,
        n.period_start,

        -- policy
        n.policy_name,
        n.semantics,
        b.tier_reached,
        coalesce(b.rate_reached, 0)                                         as rate_reached,

        -- amounts (CNY)
        round(n.purchases, 2)                                               as purchases,
        round(n.returns, 2)                                                 as returns,
        round(n.net_purchases, 2)                                           as net_purchases,
        round(greatest(n.net_purchases, 0) * coalesce(b.rate_reached, 0), 2) as retroactive_rebate,
        round(coalesce(b.marginal_unrounded, 0), 2)                         as marginal_rebate,
        case
            when n.semantics = 'marginal' then round(coalesce(b.marginal_unrounded, 0), 2)
            else round(greatest(n.net_purchases, 0) * coalesce(b.rate_reached, 0), 2)
        end                                                                 as rebate

    from net n
    inner join by_tier b
        on b.policy_code = n.policy_code and b.partner_id = n.partner_id and b.period_start = n.period_start
    left join partners p on p.partner_id = n.partner_id

)

select * from final
