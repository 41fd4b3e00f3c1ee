-- ERP VAT invoices (发票) on the CRM documents they bill: the order named by crm_order_no, its
-- contract, customer (company_key) and owner. Signed net amount: a normal (正常) invoice counts
-- its amount, a red-letter (红冲) invoice counts minus its amount whatever sign the ERP wrote, a
-- voided (作废) invoice counts nothing. A red-letter invoice is paired with the invoice it
-- reverses: the same order and amount, the earliest not yet paired invoice dated on or before it
-- (the ERP export names no original, and a reissue after a reversal is a new number, so pairing
-- in date order keeps the reissue standing). An invoice naming no known order stays here with
-- is_matched false and is left out of the per-contract reconciliation, aging and DSO.

with

invoices as (

    select * from {{ ref('stg_erp__invoices') }}

),

orders as (

    select * from {{ ref('int_orders_unioned') }}

),

contracts as (

    select contract_id, contract_no from {{ ref('stg_crm__contracts') }}

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

matched as (

    select
        invoices.*,
        orders.order_id,
        orders.order_no,
        orders.contract_id,
        orders.account_id,
        orders.owner_id,
        invoices.status = '红冲' as is_red_letter,
        invoices.status = '作废' as is_voided,
        case
            when invoices.status = '作废' then 0
            when invoices.status = '红冲' then -abs(invoices.amount_incl_tax)
            else invoices.amount_incl_tax
        end as net_amount
    from invoices
    left join orders
        on invoices.crm_order_no = orders.order_no

),

positives as (

    select
        invoice_no,
        order_id,
        net_amount as paired_amount,
        invoice_date,
        row_number() over (partition by order_id, net_amount order by invoice_date, invoice_no) as pair_rank
    from matched
    where not is_red_letter and not is_voided and net_amount > 0 and order_id is not null

),

reds as (

    select
        invoice_no,
        order_id,
        -net_amount as paired_amount,
        invoice_date,
        row_number() over (partition by order_id, -net_amount order by invoice_date, invoice_no) as pair_rank
    from matched
    where is_red_letter and order_id is not null

),

pairs as (

    select
        positives.invoice_no as original_invoice_no,
        reds.invoice_no      as red_invoice_no,
        reds.invoice_date    as reversed_on
    from reds
    inner join positives
        on reds.order_id = positives.order_id
       and reds.paired_amount = positives.paired_amount
       and reds.pair_rank = positives.pair_rank
       and positives.invoice_date <= reds.invoice_date

),

final as (

    select
        -- ids
        matched.invoice_no,
        matched.e_invoice_no,
        matched.crm_order_no,
        matched.order_id,
        matched.order_no,
        matched.contract_id,
        contracts.contract_no,
        case
            when matched.contract_id is not null
                then {{ dbt.concat(["'contract:'", "cast(matched.contract_id as " ~ dbt.type_string() ~ ")"]) }}
            when matched.order_id is not null
                then {{ dbt.concat(["'order:'", "cast(matched.order_id as " ~ dbt.type_string() ~ ")"]) }}
        end                                       as reconciliation_key,
        matched.account_id,
        companies.account_name,
        companies.company_key,
        matched.owner_id,
        users.user_name                           as owner_name,
        departments.department_name,

        -- attributes
        matched.customer_name,
        matched.tax_id,
        matched.invoice_type,
        matched.status,
        matched.is_red_letter,
        matched.is_voided,
        matched.order_id is not null              as is_matched,
        by_red.red_invoice_no                     as reversed_by_invoice_no,
        by_original.original_invoice_no           as reverses_invoice_no,

        -- amounts (CNY incl. VAT unless named)
        matched.amount_ex_tax,
        matched.tax_amount,
        matched.amount_incl_tax,
        cast(matched.net_amount as {{ type_decimal() }}) as net_amount,

        -- dates
        matched.invoice_date,
        by_red.reversed_on

    from matched
    left join pairs as by_red
        on matched.invoice_no = by_red.original_invoice_no
    left join pairs as by_original
        on matched.invoice_no = by_original.red_invoice_no
    left join contracts
        on matched.contract_id = contracts.contract_id
    left join companies
        on matched.account_id = companies.account_id
    left join users
        on matched.owner_id = users.user_id
    left join departments
        on users.department_id = departments.department_id

)

select * from final
