-- Target, booked (closed won) and attainment by rep and by department, per month and quarter.
-- Booked = amount of opportunities won with the close date in the period; a rep's bookings
-- count for the opportunity's owner, a department's for the opportunity's department.
-- Attainment is a fraction (1.0 = 100 %); null where there is no target.

{% set scopes = {'rep': ['user_id', 'owner_id'], 'department': ['department_id', 'department_id']} %}
{% set periods = ['month', 'quarter'] %}

with

targets as (

    select * from {{ ref('stg_crm__sales_targets') }}

),

won as (

    select * from {{ ref('opportunities') }}
    where is_won

),

users as (

    select user_id, user_name from {{ ref('stg_crm__users') }}

),

departments as (

    select department_id, department_name from {{ ref('stg_crm__departments') }}

),

combined as (

    {% call(period, scope_item) sales_union_all_grid(periods, scopes.items()) %}
    {% set scope, cols = scope_item %}
    select
        '{{ period }}' as period_type,
        '{{ scope }}'  as scope,
        period_start,
        scope_id,
        sum(target_amount) as target_amount,
        sum(booked_amount) as booked_amount,
        sum(won_deals)     as won_deals
    from (
        select
            cast({{ dbt.date_trunc(period, 'period_month') }} as {{ type_date() }}) as period_start,
            {{ cols[0] }} as scope_id,
            target_amount,
            0 as booked_amount,
            0 as won_deals
        from targets
        union all
        select
            cast({{ dbt.date_trunc(period, 'coalesce(closed_date, expected_close_date)') }} as {{ type_date() }}) as period_start,
            {{ cols[1] }} as scope_id,
            0 as target_amount,
            amount as booked_amount,
            1 as won_deals
        from won
    ) as rows_
    group by period_start, scope_id
    {% endcall %}

),

final as (

    select
        -- keys
        combined.period_type,
        combined.scope,
        combined.period_start,
        combined.scope_id,
        case when combined.scope = 'rep' then users.user_name else departments.department_name end
                                                                        as scope_name,

        -- amounts (CNY)
        cast(combined.target_amount as {{ type_decimal() }})            as target_amount,
        cast(combined.booked_amount as {{ type_decimal() }})            as booked_amount,
        combined.won_deals,
        cast(combined.booked_amount - combined.target_amount as {{ type_decimal() }}) as gap_amount,
        cast({{ divide('combined.booked_amount', 'nullif(combined.target_amount, 0)') }} as {{ type_decimal(9, 4) }})
                                                                        as attainment

    from combined
    left join users on combined.scope = 'rep' and combined.scope_id = users.user_id
    left join departments on combined.scope = 'department' and combined.scope_id = departments.department_id

)

select * from final
