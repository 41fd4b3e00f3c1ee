-- Sales expense budget vs actual per department and month: the budget of finance.yml
-- expense_budgets (settings.expense_budgets; a department named by its CRM name or code) against
-- the counted expenses (approved or paid, sales.expenses) of the department's reps. A month with
-- expenses and no budget shows the actual with the budget empty; a budget naming no known
-- department keeps the name it was given.

with

budgets as (

    select * from {{ source('settings', 'expense_budgets') }}

),

departments as (

    select department_id, department_code, department_name from {{ ref('stg_crm__departments') }}

),

expenses as (

    select * from {{ ref('expenses') }}

),

budgeted as (

    select
        departments.department_id,
        coalesce(departments.department_name, budgets.department) as department_name,
        budgets.period_month,
        sum(budgets.budget_amount)                                 as budget_amount
    from budgets
    left join departments
        on budgets.department = departments.department_name
        or budgets.department = departments.department_code
    group by 1, 2, 3

),

actuals as (

    select
        department_id,
        coalesce(department_name, '(未知部门)')                 as department_name,
        expense_month                                          as period_month,
        sum(counted_amount)                                    as actual_amount,
        sum(case when is_pending then amount else 0 end)       as pending_amount
    from expenses
    group by 1, 2, 3

),

keys as (

    select department_id, department_name, period_month from budgeted
    union
    select department_id, department_name, period_month from actuals

),

final as (

    select
        -- ids
        keys.period_month,
        keys.department_id,
        keys.department_name,

        -- amounts (CNY)
        cast(budgeted.budget_amount as {{ type_decimal() }})                    as budget_amount,
        cast(coalesce(actuals.actual_amount, 0) as {{ type_decimal() }})        as actual_amount,
        cast(coalesce(actuals.pending_amount, 0) as {{ type_decimal() }})       as pending_amount,
        cast(budgeted.budget_amount - coalesce(actuals.actual_amount, 0) as {{ type_decimal() }})
                                                                                as remaining_amount,

        -- ratios (fractions)
        cast({{ round_half_up(divide('coalesce(actuals.actual_amount, 0)', 'nullif(budgeted.budget_amount, 0)'), 4) }}
             as {{ type_decimal(9, 4) }})                                       as used_share,
        coalesce(actuals.actual_amount, 0) > coalesce(budgeted.budget_amount, 0)
            and budgeted.budget_amount is not null                              as is_over_budget

    from keys
    left join budgeted
        on keys.period_month = budgeted.period_month
       and keys.department_name = budgeted.department_name
       and coalesce(keys.department_id, -1) = coalesce(budgeted.department_id, -1)
    left join actuals
        on keys.period_month = actuals.period_month
       and keys.department_name = actuals.department_name
       and coalesce(keys.department_id, -1) = coalesce(actuals.department_id, -1)

)

select * from final
