-- Discount depth by month, rep, department and product line: the list value and the charged
-- value of the quote lines of every quote that left the building (all but drafts), by quote
-- month. Depth = 1 - net_amount / list_amount; the amounts add up across any grouping, so a
-- department's or a product line's depth is its summed net over its summed list, never an
-- average of depths. The department is the opportunity's, else the rep's (as quote_discounts).

with

quotes as (

    select quote_id, owner_id, owner_name, department_id, department_name, quote_month
    from {{ ref('quote_discounts') }}
    where status is null or status <> 'draft'

),

lines as (

    select * from {{ ref('int_quote_lines_unioned') }}

),

products as (

    select product_id, product_line, list_price from {{ ref('stg_crm__products') }}

),

grouped as (

    select
        quotes.quote_month,
        quotes.owner_id,
        quotes.owner_name,
        quotes.department_id,
        quotes.department_name,
        coalesce(products.product_line, '(未分类)')                           as product_line,
        count(distinct quotes.quote_id)                                      as quotes,
        count(*)                                                             as quote_lines,
        cast(sum(lines.quantity * coalesce(lines.list_price, products.list_price)) as {{ type_decimal() }})
                                                                             as list_amount,
        cast(sum(lines.line_amount) as {{ type_decimal() }})                 as net_amount
    from quotes
    inner join lines on quotes.quote_id = lines.quote_id
    left join products on lines.product_id = products.product_id
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select
        *,
        list_amount - net_amount                                             as discount_amount,
        case when list_amount > 0
             then round(1 - {{ divide('net_amount', 'list_amount') }}, 6) end as discount_depth
    from grouped

)

select * from final
