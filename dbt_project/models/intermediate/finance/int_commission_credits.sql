-- Sales credit events, one row per person x source (order or receipt) x product line:
--   booking basis     order lines of live orders, dated on the order date
--   collection basis  receipts and refunds (negative) of the order, spread over its product
--                     lines by line amount, dated on the receipt date (回款计提, clawback)
-- Credit is split by the order's credit splits (no splits: the owner gets 100%); an order
-- whose splits do not total 100% credits nobody (finance.commission_review says why).
-- Each event gets the plan assigned to the person on its date: the person's own CRM
-- assignments for that date if any, else the plan of their CRM position on that date
-- (finance.yml commission.position_plans, settings.position_plans; from the hire date). None -> 'no_plan', more than one after that
-- choice -> 'overlapping_plans' (not credited, reviewed).
-- Team roll-up (credit_scope 'team', a position rule's credit_scope in finance.yml): a manager on
-- such a plan is credited, once per source, with the credit of everyone in their department tree,
-- each member counted in the department they were in on the order's date: the order's department
-- (dimDepart, stamped when it was booked) for its owner, the member's current department for
-- the other split holders. Their own orders count inside the team, never also on their own.

with

orders as (

    select * from {{ ref('int_orders_unioned') }}
    where status not in ('draft', 'cancelled')

),

order_lines as (

    select * from {{ ref('int_order_lines_unioned') }}

),

products as (

    select * from {{ ref('stg_crm__products') }}

),

splits as (

    select * from {{ ref('stg_crm__order_splits') }}

),

receipts as (

    select * from {{ ref('int_receipts_validated') }}
    where problem is null
      and order_id is not null

),

assignments as (

    select * from {{ ref('stg_crm__commission_assignments') }}

),

plans as (

    select * from {{ ref('stg_crm__commission_plans') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

departments as (

    select department_id, parent_department_id from {{ ref('stg_crm__departments') }}

),

-- each department with itself and every department above it, up to 8 levels (unrolled joins:
-- Spark SQL has no recursive CTE); union, not union all, so a cycle in the tree counts nobody twice
department_chain as (

    select
        d0.department_id{% for i in range(8) %}, d{{ i }}.department_id as ancestor_{{ i }}{% endfor %}
    from departments as d0
    {%- for i in range(1, 8) %}
    left join departments as d{{ i }}
        on d{{ i }}.department_id = d{{ i - 1 }}.parent_department_id
    {%- endfor %}

),

department_tree as (

    {%- for i in range(8) %}
    select department_id, ancestor_{{ i }} as ancestor_id from department_chain where ancestor_{{ i }} is not null
    {% if not loop.last %}union{% endif %}
    {%- endfor %}

),

position_plans as (

    select * from {{ source('settings', 'position_plans') }}

),

-- position rules resolved to CRM plans (empty plan_version: the highest version of the code)
plan_versions as (

    select
        plans.*,
        max(plans.plan_version) over (partition by plans.plan_code) as latest_version
    from plans

),

position_assignments as (

    select
        users.user_id,
        plan_versions.commission_plan_id,
        case
            when users.hire_date > position_plans.effective_from then users.hire_date
            else position_plans.effective_from
        end as effective_from,
        position_plans.effective_to,
        'position' as assignment_source,
        coalesce(position_plans.credit_scope, 'own') as plan_credit_scope
    from position_plans
    inner join users
        on users.position = position_plans.position
    inner join plan_versions
        on plan_versions.plan_code = position_plans.plan_code
       and plan_versions.plan_version = coalesce(position_plans.plan_version, plan_versions.latest_version)

),

all_assignments as (

    select
        user_id,
        commission_plan_id,
        effective_from,
        effective_to,
        'personal' as assignment_source,
        'own' as plan_credit_scope
    from assignments
    union all
    select * from position_assignments

),

split_totals as (

    select order_id, sum(split_pct) as split_total
    from splits
    group by 1

),

credit_shares as (

    -- orders whose splits total 100%
    select splits.order_id, splits.user_id, splits.split_pct
    from splits
    inner join split_totals
        on splits.order_id = split_totals.order_id
    where split_totals.split_total = 100
    union all
    -- orders without splits: the owner
    select orders.order_id, orders.owner_id as user_id, cast(100 as {{ type_decimal() }}) as split_pct
    from orders
    left join split_totals
        on orders.order_id = split_totals.order_id
    where split_totals.order_id is null

),

line_amounts as (

    select
        order_lines.order_id,
        coalesce(products.product_line, 'unknown') as product_line,
        sum(order_lines.line_amount) as line_amount
    from order_lines
    left join products
        on order_lines.product_id = products.product_id
    group by 1, 2

),

line_shares as (

    select
        order_id,
        product_line,
        line_amount,
        {{ divide('line_amount', 'nullif(sum(line_amount) over (partition by order_id), 0)') }} as line_share
    from line_amounts

),

booking_events as (

    select
        'order'              as source_type,
        orders.order_id      as source_id,
        orders.order_no      as source_no,
        orders.order_id,
        orders.order_no,
        orders.order_date    as event_date,
        orders.owner_id      as order_owner_id,
        orders.department_id as order_department_id,
        line_shares.product_line,
        line_shares.line_amount as source_amount,
        'booking'            as event_basis
    from orders
    inner join line_shares
        on orders.order_id = line_shares.order_id

),

collection_events as (

    select
        receipts.receipt_type as source_type,
        receipts.receipt_id   as source_id,
        receipts.receipt_no   as source_no,
        orders.order_id,
        orders.order_no,
        receipts.receipt_date as event_date,
        orders.owner_id       as order_owner_id,
        orders.department_id  as order_department_id,
        coalesce(line_shares.product_line, 'unknown') as product_line,
        receipts.amount * coalesce(line_shares.line_share, 1) as source_amount,
        'collection'          as event_basis
    from receipts
    inner join orders
        on receipts.order_id = orders.order_id
    left join line_shares
        on receipts.order_id = line_shares.order_id

),

events as (

    select * from booking_events
    union all
    select * from collection_events

),

own_credited as (

    select
        events.*,
        credit_shares.user_id,
        'own' as credit_scope,
        coalesce(
            case when credit_shares.user_id = events.order_owner_id then events.order_department_id end,
            members.department_id
        ) as member_department_id,
        credit_shares.split_pct,
        -- an exact decimal at 6 places (half up), so the period totals and running totals summed
        -- from it are exact and the same in any order on any engine (summed as doubles, a
        -- period's credit ended 4,022,044.075 +- noise: .08 on DuckDB, .07 on Spark)
        cast({{ round_half_up(divide('events.source_amount * credit_shares.split_pct', '100'), 6) }}
             as {{ type_decimal(24, 6) }}) as credit_amount
    from events
    inner join credit_shares
        on events.order_id = credit_shares.order_id
    left join users as members
        on credit_shares.user_id = members.user_id

),

team_leads as (

    select distinct user_id from all_assignments where plan_credit_scope = 'team'

),

-- a team-scope person's credit: every member's credit whose department (on the order's date) is
-- in the tree under the person's department, one row per source and product line
team_credited as (

    select
        own_credited.source_type, own_credited.source_id, own_credited.source_no,
        own_credited.order_id, own_credited.order_no, own_credited.event_date,
        own_credited.order_owner_id, own_credited.order_department_id,
        own_credited.product_line, own_credited.source_amount, own_credited.event_basis,
        leads.user_id,
        'team' as credit_scope,
        leads.department_id as member_department_id,
        sum(own_credited.split_pct) as split_pct,
        sum(own_credited.credit_amount) as credit_amount
    from own_credited
    inner join department_tree
        on own_credited.member_department_id = department_tree.department_id
    inner join users as leads
        on leads.department_id = department_tree.ancestor_id
    inner join team_leads
        on leads.user_id = team_leads.user_id
    group by
        own_credited.source_type, own_credited.source_id, own_credited.source_no,
        own_credited.order_id, own_credited.order_no, own_credited.event_date,
        own_credited.order_owner_id, own_credited.order_department_id,
        own_credited.product_line, own_credited.source_amount, own_credited.event_basis,
        leads.user_id, leads.department_id

),

credited as (

    select * from own_credited
    union all
    select
        source_type, source_id, source_no, order_id, order_no, event_date, order_owner_id,
        order_department_id, product_line, source_amount, event_basis, user_id, credit_scope,
        member_department_id, split_pct, credit_amount
    from team_credited

),

candidate_plans as (

    select
        credited.*,
        all_assignments.commission_plan_id,
        all_assignments.assignment_source,
        all_assignments.plan_credit_scope,
        sum(case when all_assignments.assignment_source = 'personal' then 1 else 0 end) over (
            partition by credited.credit_scope, credited.source_type, credited.source_id, credited.user_id,
                credited.product_line
        ) as personal_plans
    from credited
    left join all_assignments
        on credited.user_id = all_assignments.user_id
       and credited.event_date >= all_assignments.effective_from
       and (all_assignments.effective_to is null or credited.event_date <= all_assignments.effective_to)

),

-- the person's own assignments win over the position rule for the dates they cover (and then
-- there is no team credit); a team-scope rule pays on team rows only, so a manager's own order is
-- credited once, inside the team (own rows whose only rule is team-scope leave)
chosen_plans as (

    select * from candidate_plans
    where case
        when personal_plans > 0 then credit_scope = 'own' and assignment_source = 'personal'
        when credit_scope = 'team' then plan_credit_scope = 'team'
        else assignment_source is null or plan_credit_scope = 'own'
    end

),

with_plans as (

    select
        chosen_plans.*,
        plans.plan_code,
        plans.plan_version,
        plans.plan_name,
        plans.rate_type,
        plans.tier_mode,
        plans.basis,
        plans.period_type,
        plans.flat_rate,
        count(chosen_plans.commission_plan_id) over (
            partition by chosen_plans.credit_scope, chosen_plans.source_type, chosen_plans.source_id,
                chosen_plans.user_id, chosen_plans.product_line
        ) as matching_plans
    from chosen_plans
    left join plans
        on chosen_plans.commission_plan_id = plans.commission_plan_id

),

final as (

    select
        -- ids
        {{ commission_source_columns() }},

        -- plan: which one, and how it pays
        plan_code, plan_version, plan_name,
        rate_type, tier_mode, basis, period_type, flat_rate,
        assignment_source,
        credit_scope,

        -- attributes
        product_line,
        member_department_id,
        event_basis,
        case
            when matching_plans = 0 then 'no_plan'
            when matching_plans > 1 then 'overlapping_plans'
            else 'ok'
        end as plan_status,

        -- amounts (unrounded: rounding happens once, on the final line)
        split_pct,
        source_amount,
        credit_amount,

        -- dates
        event_date

    from with_plans
    where matching_plans <> 1 or basis = event_basis

)

select * from final
