-- Contract -> order -> delivery -> invoice -> receipt, one row per contract (orders without a
-- contract: one row per order), as of the snapshot's as-of date: what was ordered, delivered
-- (recognised revenue of settled goods lines), invoiced (normal invoices, red-letter reversals,
-- voided count, net) and collected (valid receipts net of refunds); the gaps both ways:
--   invoiced_not_collected  net invoiced - collected, when positive (开票未回款)
--   collected_not_invoiced  collected - net invoiced, when positive (回款未开票)
--   not_yet_invoiced        contract (or order) amount - net invoiced, when positive
-- The counts are bigint (Spark's sum of ints already is; DuckDB's is a hugeint, whose bit-packed
-- storage took half of the 发票对账 page's contract-list read at S=10: ~11 of 20 ms CPU).

with

contracts as (

    select * from {{ ref('stg_crm__contracts') }}

),

orders as (

    select * from {{ ref('int_orders_unioned') }}

),

order_keys as (

    select
        orders.*,
        case
            when orders.contract_id is not null
                then {{ dbt.concat(["'contract:'", "cast(orders.contract_id as " ~ dbt.type_string() ~ ")"]) }}
            else {{ dbt.concat(["'order:'", "cast(orders.order_id as " ~ dbt.type_string() ~ ")"]) }}
        end as reconciliation_key
    from orders

),

delivery as (

    select * from {{ ref('int_order_lines_delivery_status') }}

),

as_of as (

    select * from {{ ref('int_finance_as_of') }}

),

invoices as (

    select invoices.*
    from {{ ref('invoices') }} as invoices
    cross join as_of
    where invoices.reconciliation_key is not null
      and invoices.invoice_date <= as_of.as_of_date

),

collections as (

    select collections.*
    from {{ ref('int_invoice_collections') }} as collections
    cross join as_of
    where collections.reconciliation_key is not null
      and collections.receipt_date <= as_of.as_of_date

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

units as (

    select
        {{ dbt.concat(["'contract:'", "cast(contract_id as " ~ dbt.type_string() ~ ")"]) }} as reconciliation_key,
        contract_id,
        contract_no,
        cast(null as {{ dbt.type_bigint() }})   as order_id,
        cast(null as {{ dbt.type_string() }})   as order_no,
        account_id,
        owner_id,
        status                                  as document_status,
        total_amount                            as document_amount
    from contracts
    union all
    select
        reconciliation_key,
        cast(null as {{ dbt.type_bigint() }}),
        cast(null as {{ dbt.type_string() }}),
        order_id,
        order_no,
        account_id,
        owner_id,
        status,
        total_amount
    from order_keys
    where contract_id is null

),

ordered as (

    select
        reconciliation_key,
        count(*)          as order_count,
        sum(total_amount) as ordered_amount
    from order_keys
    where status not in ('draft', 'cancelled')
    group by 1

),

delivered as (

    select
        order_keys.reconciliation_key,
        sum(delivery.recognised_revenue) as delivered_amount
    from delivery
    inner join order_keys
        on delivery.order_id = order_keys.order_id
    group by 1

),

invoiced as (

    select
        reconciliation_key,
        cast(sum(case when not is_red_letter and not is_voided then 1 else 0 end) as {{ dbt.type_bigint() }}) as invoice_count,
        sum(case when not is_red_letter and not is_voided then net_amount else 0 end)      as invoiced_gross,
        cast(sum(case when is_red_letter then 1 else 0 end) as {{ dbt.type_bigint() }})    as red_letter_count,
        sum(case when is_red_letter then -net_amount else 0 end)                           as red_letter_amount,
        cast(sum(case when is_voided then 1 else 0 end) as {{ dbt.type_bigint() }})        as voided_count,
        sum(net_amount)                                                                    as invoiced_net,
        max(invoice_date)                                                                  as last_invoice_date
    from invoices
    group by 1

),

collected as (

    select
        reconciliation_key,
        count(*)          as receipt_count,
        sum(amount)       as collected_amount,
        max(receipt_date) as last_receipt_date
    from collections
    group by 1

),

joined as (

    select
        units.*,
        coalesce(ordered.order_count, 0)          as order_count,
        coalesce(ordered.ordered_amount, 0)       as ordered_amount,
        coalesce(delivered.delivered_amount, 0)   as delivered_amount,
        coalesce(invoiced.invoice_count, 0)       as invoice_count,
        coalesce(invoiced.invoiced_gross, 0)      as invoiced_gross,
        coalesce(invoiced.red_letter_count, 0)    as red_letter_count,
        coalesce(invoiced.red_letter_amount, 0)   as red_letter_amount,
        coalesce(invoiced.voided_count, 0)        as voided_count,
        coalesce(invoiced.invoiced_net, 0)        as invoiced_net,
        coalesce(collected.receipt_count, 0)      as receipt_count,
        coalesce(collected.collected_amount, 0)   as collected_amount,
        invoiced.last_invoice_date,
        collected.last_receipt_date
    from units
    left join ordered on units.reconciliation_key = ordered.reconciliation_key
    left join delivered on units.reconciliation_key = delivered.reconciliation_key
    left join invoiced on units.reconciliation_key = invoiced.reconciliation_key
    left join collected on units.reconciliation_key = collected.reconciliation_key
    -- an order without a contract that never went ahead and has no money moved is no case
    where units.contract_id is not null
       or units.document_status not in ('draft', 'cancelled')
       or invoiced.reconciliation_key is not null
       or collected.reconciliation_key is not null

),

final as (

    select
        -- ids
        joined.reconciliation_key,
        joined.contract_id,
        joined.contract_no,
        joined.order_id,
        joined.order_no,
        joined.account_id,
        companies.account_name,
        companies.company_key,
        joined.owner_id,
        users.user_name                                   as owner_name,
        departments.department_name,

        -- attributes
        joined.document_status,
        case
            when joined.invoiced_net = 0 and joined.collected_amount = 0 then 'not_invoiced'
            when joined.invoiced_net > joined.collected_amount then 'invoiced_not_collected'
            when joined.collected_amount > joined.invoiced_net then 'collected_not_invoiced'
            else 'balanced'
        end                                               as reconciliation_status,

        -- counts
        joined.order_count,
        joined.invoice_count,
        joined.red_letter_count,
        joined.voided_count,
        joined.receipt_count,

        -- amounts (CNY incl. VAT)
        cast(joined.document_amount as {{ type_decimal() }})   as document_amount,
        cast(joined.ordered_amount as {{ type_decimal() }})    as ordered_amount,
        cast(joined.delivered_amount as {{ type_decimal() }})  as delivered_amount,
        cast(joined.invoiced_gross as {{ type_decimal() }})    as invoiced_gross,
        cast(joined.red_letter_amount as {{ type_decimal() }}) as red_letter_amount,
        cast(joined.invoiced_net as {{ type_decimal() }})      as invoiced_net,
        cast(joined.collected_amount as {{ type_decimal() }})  as collected_amount,
        cast(greatest(joined.invoiced_net - joined.collected_amount, 0) as {{ type_decimal() }})
                                                          as invoiced_not_collected,
        cast(greatest(joined.collected_amount - joined.invoiced_net, 0) as {{ type_decimal() }})
                                                          as collected_not_invoiced,
        cast(greatest(coalesce(joined.document_amount, 0) - joined.invoiced_net, 0) as {{ type_decimal() }})
                                                          as not_yet_invoiced,

        -- dates
        joined.last_invoice_date,
        joined.last_receipt_date,
        as_of.as_of_date

    from joined
    cross join as_of
    left join companies
        on joined.account_id = companies.account_id
    left join users
        on joined.owner_id = users.user_id
    left join departments
        on users.department_id = departments.department_id

)

select * from final
