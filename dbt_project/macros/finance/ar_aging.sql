{#
    AR aging (账龄), the one home of its rule: the open balance of every installment as of a
    date, by due date, bucketed with finance.yml aging_buckets. Receipts dated after the as-of
    date do not count; installments created after it don't exist yet.

    finance_ar_aging(as_of_dates, installments, allocations, buckets): a select over a
    relation/CTE `as_of_dates` (as_of_date, is_month_end), the installments mart, the receipt
    allocations (int_receipts_allocated_to_installments) and the aging buckets.
    - the finance.ar_aging mart runs it for every month-end and the reporting date;
    - finance_table_macros() (on-run-end, DuckDB only) wraps it in the warehouse table macro
      finance.ar_aging_at(at_date), published with the snapshot, for any date the apps pick:
          select * from finance.ar_aging_at(date '2026-06-30')

    finance_month_end_of(date_expr): the last day of date_expr's month, as a date.

    finance_aging_dates(relation, date_column, as_of): the dates an aging mart stands on, as
    (as_of_date, is_month_end): every month-end from the month of the earliest `date_column` of
    `relation` up to (not including) the reporting date of the one-row `as_of`
    (int_finance_as_of), and the reporting date itself. Installment aging (ar_aging) and invoice
    aging (invoice_aging) stand on the same dates by this one rule. At most 1,000 months.
#}

{% macro finance_month_end_of(date_expr) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, dbt.date_trunc('month', date_expr))) }}
         as {{ type_date() }})
{%- endmacro %}


{% macro finance_aging_dates(relation, date_column, as_of) -%}
    {%- set digits -%}
        (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
         union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)
    {%- endset %}
    select month_ends.as_of_date, true as is_month_end
    from (
        select
            cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'numbers.n + 1', 'first_month.month_start')) }}
                as {{ type_date() }}) as as_of_date
        from (
            select a.d + 10 * b.d + 100 * c.d as n
            from {{ digits }} as a
            cross join {{ digits }} as b
            cross join {{ digits }} as c
        ) as numbers
        cross join (
            select {{ dbt.date_trunc('month', 'min(' ~ date_column ~ ')') }} as month_start
            from {{ relation }}
        ) as first_month
    ) as month_ends
    cross join {{ as_of }}
    where month_ends.as_of_date < {{ as_of }}.as_of_date
    union all
    select {{ as_of }}.as_of_date,
           {{ as_of }}.as_of_date = {{ finance_month_end_of(as_of ~ '.as_of_date') }} as is_month_end
    from {{ as_of }}
{%- endmacro %}


{% macro finance_ar_aging(as_of_dates, installments, allocations, buckets) -%}
    with

    received_as_of as (

        select
            as_of_dates.as_of_date,
            allocations.installment_id,
            sum(allocations.allocated_amount) as received_amount
        from {{ as_of_dates }} as as_of_dates
        inner join {{ allocations }} as allocations
            on allocations.receipt_date <= as_of_dates.as_of_date
        where allocations.installment_id is not null
        group by 1, 2

    ),

    balances as (

        select
            -- named apart from installments.as_of_date (the mart's own date): Spark rejects the
            -- duplicate name that DuckDB silently resolves to the first
            as_of_dates.as_of_date as aging_date,
            as_of_dates.is_month_end,
            installments.*,
            installments.amount - coalesce(received_as_of.received_amount, 0) as open_as_of,
            {{ dbt.datediff('installments.due_date', 'as_of_dates.as_of_date', 'day') }} as days_overdue_as_of
        from {{ as_of_dates }} as as_of_dates
        inner join {{ installments }} as installments
            on installments.created_date <= as_of_dates.as_of_date
        left join received_as_of
            on received_as_of.as_of_date = as_of_dates.as_of_date
           and received_as_of.installment_id = installments.installment_id

    )

    select
        -- keys
        balances.aging_date as as_of_date,
        balances.is_month_end,
        balances.installment_id,

        -- who and what
        balances.account_id,
        balances.account_name,
        balances.company_key,
        balances.company_name,
        balances.contract_id,
        balances.contract_no,
        balances.order_id,
        balances.order_no,
        balances.batch_no,
        balances.owner_id,
        balances.owner_name,
        balances.department_id,
        balances.department_name,

        -- amounts
        balances.amount,
        cast(balances.open_as_of as {{ type_decimal() }}) as open_amount,

        -- aging
        balances.due_date,
        balances.days_overdue_as_of as days_overdue,
        buckets.bucket,
        buckets.sort_order as bucket_order,
        balances.days_overdue_as_of > 0 as is_overdue

    from balances
    left join {{ buckets }} as buckets
        on (buckets.min_days is null or balances.days_overdue_as_of >= buckets.min_days)
       and (buckets.max_days is null or balances.days_overdue_as_of <= buckets.max_days)
    where balances.open_as_of > 0
{%- endmacro %}


{#
    on-run-end (dbt_project.yml): finance.ar_aging_at(at_date) as a DuckDB table macro in the
    warehouse, so the published snapshot (a file copy) carries it and the apps query it on their
    read-only connection. DuckDB binds a macro's tables when it is created, so it is (re)created
    only once its inputs exist (built_relation: ref() cannot be used in a hook). Spark has no
    table macros: nothing to do there.
#}
{% macro finance_table_macros() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set installments = built_relation('installments') -%}
    {%- set allocations = built_relation('int_receipts_allocated_to_installments') -%}
    {%- set buckets = built_relation('aging_buckets', 'settings') -%}
    {%- if [installments, allocations, buckets] | select('none') | list -%}
        {{ return('') }}
    {%- endif -%}
    {%- set ar_aging_at -%}
    create or replace macro {{ installments.schema }}.ar_aging_at(at_date) as table
    with

    as_of_dates as (

        select
            cast(at_date as {{ type_date() }}) as as_of_date,
            cast(at_date as {{ type_date() }}) = {{ finance_month_end_of('cast(at_date as ' ~ type_date() ~ ')') }}
                as is_month_end

    ),

    aging as (

        {{ finance_ar_aging('as_of_dates', installments, allocations, buckets) }}

    )

    select * from aging
    {%- endset -%}
    {%- do run_query(ar_aging_at) -%}
    {%- do adapter.commit() -%}
{%- endmacro %}
