-- Revenue per order line by its delivery status: a settled line (within the over/short
-- tolerance, 溢短装) recognises and invoices the quantity actually delivered x unit price.

with

lines as (

    select * from {{ ref('int_order_lines_delivery_status') }}

),

final as (

    select * from lines

)

select * from final
