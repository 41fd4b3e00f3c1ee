-- Commission lines, freshly computed for every period: one per person x source x rule.
--   flat          credit x plan rate
--   product_line  credit x the plan's rate for the product line
--   tiered        attainment = period credit / period target (sum of monthly targets);
--                 marginal: the person's credits run up in date order and each source earns
--                 the tier rates of the slice of the running total it covers (one line per
--                 tier touched; a refund gives its slice back), so lines add up to the
--                 bracket formula; retroactive: every source earns the rate of the highest
--                 tier the period total reached.
-- assignment_source says how the person got the plan: 'personal' (CRM assignment) or
-- 'position' (finance.yml commission.position_plans); credit_scope 'team' marks a manager's
-- roll-up line (credit of their department tree, int_commission_credits), 'own' the rest.
-- Amounts round half up to 2 decimals once, on the line. Events without a plan show with
-- reason 'no active plan' and 0.00; overlapping plans and missing targets go to review.

with

credits as (

    select * from {{ ref('int_commission_credits') }}

),

rules as (

    select * from {{ ref('stg_crm__commission_plan_rules') }}

),

targets as (

    select * from {{ ref('stg_crm__sales_targets') }}

),

periods as (

    select
        credits.*,
        {{ dbt.date_trunc('month', 'credits.event_date') }} as event_month,
        case when credits.period_type = 'quarter'
            then {{ dbt.date_trunc('quarter', 'credits.event_date') }}
            else {{ dbt.date_trunc('month', 'credits.event_date') }}
        end as period_start_ts
    from credits

),

with_period as (

    select
        periods.*,
        cast(period_start_ts as {{ type_date() }}) as period_start,
        cast(case when period_type = 'quarter'
            then {{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'period_start_ts')) }}
            else {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'period_start_ts')) }}
        end as {{ type_date() }}) as period_end
    from periods

),

-- flat and product-line plans
rated as (

    select
        with_period.*,
        case when with_period.rate_type = 'flat' then with_period.flat_rate else rules.rate end as rate,
        cast(null as {{ type_decimal(18, 4) }}) as tier_from,
        cast(null as {{ type_decimal(18, 4) }}) as tier_to,
        cast(null as {{ type_decimal() }})      as target_amount,
        cast(null as {{ type_decimal() }})      as period_credit,
        with_period.credit_amount               as basis_amount
    from with_period
    left join rules
        on with_period.rate_type = 'product_line'
       and rules.commission_plan_id = with_period.commission_plan_id
       and rules.product_line = with_period.product_line
    where with_period.plan_status = 'ok'
      and with_period.rate_type in ('flat', 'product_line')

),

-- tiered plans: one credit per person x source, running total per period
tier_sources as (

    select
        user_id, source_type, source_id, source_no, order_id, order_no, commission_plan_id,
        plan_code, plan_version, plan_name, rate_type, tier_mode, basis, period_type, flat_rate, assignment_source,
        credit_scope, event_basis, plan_status, split_pct, event_date, period_start, period_end,
        cast(null as {{ dbt.type_string() }}) as product_line,
        sum(source_amount) as source_amount,
        sum(credit_amount) as credit_amount
    from with_period
    where plan_status = 'ok'
      and rate_type = 'tiered'
    group by
        user_id, source_type, source_id, source_no, order_id, order_no, commission_plan_id,
        plan_code, plan_version, plan_name, rate_type, tier_mode, basis, period_type, flat_rate, assignment_source,
        credit_scope, event_basis, plan_status, split_pct, event_date, period_start, period_end

),

period_targets as (

    select
        tier_periods.user_id,
        tier_periods.period_start,
        sum(targets.target_amount) as target_amount
    from (select distinct user_id, period_start, period_end from tier_sources) as tier_periods
    inner join targets
        on targets.user_id = tier_periods.user_id
       and targets.period_month >= tier_periods.period_start
       and targets.period_month <= tier_periods.period_end
    group by 1, 2

),

tier_running as (

    select
        tier_sources.*,
        period_targets.target_amount,
        sum(tier_sources.credit_amount) over (
            partition by tier_sources.user_id, tier_sources.commission_plan_id, tier_sources.period_start
            order by tier_sources.event_date, tier_sources.source_type, tier_sources.source_id
            rows between unbounded preceding and current row
        ) as running_after,
        sum(tier_sources.credit_amount) over (
            partition by tier_sources.user_id, tier_sources.commission_plan_id, tier_sources.period_start
        ) as period_credit
    from tier_sources
    left join period_targets
        on tier_sources.user_id = period_targets.user_id
       and tier_sources.period_start = period_targets.period_start

),

marginal as (

    select
        tier_running.*,
        rules.rate,
        rules.tier_from,
        rules.tier_to,
        -- signed overlap of [running_before, running_after] with the tier's credit range
        case when tier_running.credit_amount >= 0 then 1 else -1 end * greatest(0,
            least(
                greatest(tier_running.running_after, tier_running.running_after - tier_running.credit_amount),
                -- an open top tier: a decimal bound keeps the basis an exact decimal
                coalesce(rules.tier_to * tier_running.target_amount, cast(1e18 as {{ type_decimal(38, 6) }}))
            )
            - greatest(
                least(tier_running.running_after, tier_running.running_after - tier_running.credit_amount),
                rules.tier_from * tier_running.target_amount
            )
        ) as basis_amount
    from tier_running
    inner join rules
        on rules.commission_plan_id = tier_running.commission_plan_id
    where tier_running.tier_mode = 'marginal'
      and tier_running.target_amount > 0

),

retroactive as (

    select
        tier_running.*,
        rules.rate,
        rules.tier_from,
        rules.tier_to,
        tier_running.credit_amount as basis_amount
    from tier_running
    inner join rules
        on rules.commission_plan_id = tier_running.commission_plan_id
       and {{ divide('tier_running.period_credit', 'tier_running.target_amount') }} >= rules.tier_from
       and (rules.tier_to is null or {{ divide('tier_running.period_credit', 'tier_running.target_amount') }} < rules.tier_to)
    where tier_running.tier_mode <> 'marginal'
      and tier_running.target_amount > 0

),

no_target as (

    select
        tier_running.*,
        {{ commission_no_rate() }},
        tier_running.credit_amount as basis_amount
    from tier_running
    where coalesce(tier_running.target_amount, 0) <= 0

),

no_plan as (

    select
        with_period.*,
        {{ commission_no_rate() }},
        cast(null as {{ type_decimal() }}) as target_amount,
        cast(null as {{ type_decimal() }}) as period_credit,
        with_period.credit_amount as basis_amount
    from with_period
    where with_period.plan_status = 'no_plan'
      and with_period.event_basis = 'collection'

),

{#- every rule produces the same line shape; one column list keeps the branches aligned -#}
{%- set line_ids = "user_id, source_type, source_id, source_no, order_id, order_no, commission_plan_id, plan_code,
        plan_version, assignment_source, credit_scope, rate_type, tier_mode, basis, period_type, product_line, split_pct, event_date" -%}
{%- set line_amounts = "credit_amount, period_credit, target_amount, tier_from, tier_to, rate, basis_amount" -%}

lines as (

    select {{ line_ids }}, period_start, period_end, {{ line_amounts }},
        case when rate_type = 'flat' then 'flat rate' else 'product line rate' end as rule_kind
    from rated
    union all
    select {{ line_ids }}, period_start, period_end, {{ line_amounts }}, 'marginal tier' as rule_kind
    from marginal
    where basis_amount <> 0
    union all
    select {{ line_ids }}, period_start, period_end, {{ line_amounts }}, 'retroactive tier' as rule_kind
    from retroactive
    union all
    select {{ line_ids }}, period_start, period_end, {{ line_amounts }}, 'no target' as rule_kind
    from no_target
    union all
    select {{ line_ids }},
        cast({{ dbt.date_trunc('month', 'event_date') }} as {{ type_date() }}) as period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, dbt.date_trunc('month', 'event_date'))) }} as {{ type_date() }}) as period_end,
        {{ line_amounts }}, 'no active plan' as rule_kind
    from no_plan

),

final as (

    select
        -- ids
        {{ dbt.concat([
            "cast(user_id as " ~ dbt.type_string() ~ ")", "'|'", "source_type", "'|'",
            "cast(source_id as " ~ dbt.type_string() ~ ")", "'|'", "coalesce(product_line, '-')", "'|'",
            "coalesce(cast(tier_from as " ~ dbt.type_string() ~ "), '-')", "'|'",
            "coalesce(plan_code, '-')",
            "case when credit_scope = 'team' then '|team' else '' end"]) }} as line_key,
        {{ commission_source_columns() }},

        -- plan and rule
        plan_code,
        plan_version,
        assignment_source,
        coalesce(credit_scope, 'own') as credit_scope,
        basis,
        period_type,
        rule_kind,
        product_line,
        tier_from,
        tier_to,
        rate,

        -- period
        period_start,
        period_end,
        event_date,

        -- amounts: credit share, target, the basis this rule applies to, the commission
        split_pct,
        cast({{ round_half_up('credit_amount', 2) }} as {{ type_decimal() }}) as credit_amount,
        cast({{ round_half_up('period_credit', 2) }} as {{ type_decimal() }}) as period_credit,
        target_amount,
        case when target_amount > 0 then cast({{ round_half_up(divide('period_credit', 'target_amount'), 4) }} as {{ type_decimal(18, 4) }}) end
            as attainment,
        cast({{ round_half_up('basis_amount', 2) }} as {{ type_decimal() }})  as basis_amount,
        -- narrow decimals, so the product is exact on Spark too (decimal(38, x) x decimal(18, 4)
        -- would exceed 38 digits and Spark would round it at 6 places before the cent)
        cast({{ round_half_up('cast(basis_amount as ' ~ type_decimal(24, 6) ~ ') * cast(rate as ' ~ type_decimal(10, 6) ~ ')', 2) }}
             as {{ type_decimal() }}) as commission_amount,

        -- why
        case
            when rule_kind = 'no active plan' then 'no active plan'
            when rule_kind = 'no target' then 'no target for the period: tiered plan not computed'
            else {{ dbt.concat([
                "case when credit_scope = 'team' then 'team roll-up (department tree): ' else '' end",
                "rule_kind", "' '",
                "case when tier_from is not null then " ~ dbt.concat([
                    "cast(round(tier_from * 100, 0) as " ~ dbt.type_string() ~ ")", "'-'",
                    "coalesce(cast(round(tier_to * 100, 0) as " ~ dbt.type_string() ~ "), '')", "'% '"]) ~ " else '' end",
                "cast(round(rate * 100, 2) as " ~ dbt.type_string() ~ ")", "'%'",
                "case when target_amount is not null then " ~ dbt.concat([
                    "', attainment '",
                    "cast(round(" ~ divide('100 * period_credit', 'target_amount') ~ ", 2) as " ~ dbt.type_string() ~ ")", "'% of target '",
                    "cast(target_amount as " ~ dbt.type_string() ~ ")"]) ~ " else '' end"]) }}
        end as rule_description

    from lines

)

select * from final
