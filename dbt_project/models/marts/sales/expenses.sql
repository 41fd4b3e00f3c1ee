-- Sales expenses (费用报销) on the rep who claimed them, the customer (the expense's account,
-- else its deal's), the deal and the deal's campaign (the opportunity's campaign, else its
-- lead's: the attribution of sales.opportunities / campaign_roi). An expense counts as cost once
-- approved or paid; a submitted one is pending; a rejected one counts nowhere.

with

expenses as (

    select * from {{ ref('stg_crm__expenses') }}

),

opportunities as (

    select * from {{ ref('opportunities') }}

),

companies as (

    select * from {{ ref('int_account_companies') }}

),

users as (

    select user_id, user_name, department_id from {{ ref('stg_crm__users') }}

),

departments as (

    select department_id, department_name from {{ ref('stg_crm__departments') }}

),

final as (

    select
        -- ids
        expenses.expense_id,
        expenses.expense_no,
        expenses.owner_id,
        users.user_name                                              as owner_name,
        users.department_id,
        departments.department_name,
        coalesce(expenses.account_id, opportunities.account_id)      as account_id,
        companies.account_name,
        companies.company_key,
        expenses.opportunity_id,
        opportunities.opportunity_name,
        opportunities.campaign_id,
        opportunities.campaign_name,

        -- attributes
        expenses.expense_type,
        expenses.status,
        coalesce(expenses.status in ('approved', 'paid'), false)     as is_counted,
        coalesce(expenses.status = 'submitted', false)               as is_pending,

        -- amounts (CNY)
        expenses.amount,
        cast(case when expenses.status in ('approved', 'paid') then expenses.amount else 0 end
             as {{ type_decimal() }})                                as counted_amount,

        -- dates
        expenses.expense_date,
        cast({{ dbt.date_trunc('month', 'expenses.expense_date') }} as {{ type_date() }}) as expense_month

    from expenses
    left join opportunities
        on expenses.opportunity_id = opportunities.opportunity_id
    left join companies
        on coalesce(expenses.account_id, opportunities.account_id) = companies.account_id
    left join users
        on expenses.owner_id = users.user_id
    left join departments
        on users.department_id = departments.department_id

)

select * from final
