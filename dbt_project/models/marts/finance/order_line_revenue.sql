-- Revenue per order line by its delivery status: a settled line (within the over/short
-- tolerance, 溢短装) recognises and invoices the quantity actually delivered x unit price,
-- with the company the ordering account resolves to.

with

lines as (

    select * from {{ ref('int_order_lines_delivery_status') }}

),

companies as (

    select * from {{ ref('int_account_companies') }}

),

final as (

    select
        lines.*,
        companies.company_key,
        companies.company_name
    from lines
    left join companies
        on lines.account_id = companies.account_id

)

select * from final
