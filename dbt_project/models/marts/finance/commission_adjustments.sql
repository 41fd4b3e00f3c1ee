-- Manual commission adjustments (提成调整) finance entered in the operational store, one row per
-- live adjustment (a voided one is soft-deleted in the store and left out by staging), with the
-- person and whether the commission statements apply it:
--   applied           the person is a CRM user: one manual_adjustment line on their statement
--   unknown_employee  the CRM data does not (or no longer) have the person: not applied, listed
--                     in commission_review until finance corrects or voids it
-- The statements (Python asset finance/commission_statements) apply the 'applied' rows only.

with

adjustments as (

    select * from {{ ref('stg_ops__commission_adjustments') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

departments as (

    select * from {{ ref('stg_crm__departments') }}

),

dated as (

    select
        adjustments.*,
        cast({{ dbt.concat(["adjustments.period", "'-01'"]) }} as {{ type_date() }}) as period_start
    from adjustments

),

final as (

    select
        -- ids
        dated.commission_adjustment_id,
        dated.user_id,
        users.employee_code,
        users.user_name,
        departments.department_name,

        -- period
        dated.period,
        dated.period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'dated.period_start')) }} as {{ type_date() }})
            as period_end,

        -- amounts (CNY; negative = deduction)
        dated.amount,

        -- why, who, when
        dated.reason,
        dated.author,
        dated.version,
        dated.created_at,
        dated.updated_at,

        -- applied or not
        case when users.user_id is null then 'unknown_employee' else 'applied' end as status

    from dated
    left join users
        on dated.user_id = users.user_id
    left join departments
        on users.department_id = departments.department_id

)

select * from final
