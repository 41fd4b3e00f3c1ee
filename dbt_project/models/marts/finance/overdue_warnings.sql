-- One warning per overdue installment with an open balance as of the reporting date,
-- addressed to its owner (回款负责人). Rebuilt every run: a warning clears itself once the
-- balance reaches zero. Threshold: finance.yml overdue_warning_days (default 0) days past due.

with

aging as (

    select * from {{ ref('ar_aging') }}

),

as_of as (

    select * from {{ ref('int_finance_as_of') }}

),

parameters as (

    select finance_overdue_warning_days
    from {{ source('settings', 'parameters') }}

),

final as (

    select
        -- ids
        {{ dbt.concat(["'OW-'", "cast(aging.installment_id as " ~ dbt.type_string() ~ ")"]) }} as warning_id,
        aging.installment_id,
        aging.owner_id,
        aging.owner_name,
        aging.department_name,
        aging.account_id,
        aging.account_name,
        aging.company_key,
        aging.company_name,
        aging.contract_no,
        aging.order_no,
        aging.batch_no,

        -- figures
        aging.amount,
        aging.open_amount,
        aging.due_date,
        aging.days_overdue,
        aging.bucket,
        aging.as_of_date,

        -- message
        {{ dbt.concat([
            "'【逾期回款】'", "coalesce(aging.owner_name, '未分配')", "'：客户 '", "coalesce(aging.account_name, '?')",
            "'，合同 '", "coalesce(aging.contract_no, aging.order_no, '?')",
            "'，第 '", "cast(aging.batch_no as " ~ dbt.type_string() ~ ")", "' 期，未回款 ¥'",
            "cast(aging.open_amount as " ~ dbt.type_string() ~ ")",
            "'，已逾期 '", "cast(aging.days_overdue as " ~ dbt.type_string() ~ ")", "' 天'"]) }} as message

    from aging
    inner join as_of
        on aging.as_of_date = as_of.as_of_date
    cross join parameters
    where aging.days_overdue > parameters.finance_overdue_warning_days

)

select * from final
