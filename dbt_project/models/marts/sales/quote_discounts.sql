-- Every quote (报价单, CRM and entry screens) with its discount depth against list price: one
-- minus what the lines charge over what they would at list price, weighted by list value
-- (1 - sum(line_amount) / sum(quantity x list price)); a line without a list price takes the
-- product's. Two lines of 20,000 at 10 % off and 5,000 at 20 % off are 12 % deep, not 15 %.
-- is_final_quote marks each opportunity's last quote (latest quote date, then creation, then
-- id): the price the deal was won or lost at. The department is the opportunity's, else the
-- quote owner's. Quotes dated after the snapshot's as-of are left out.

with

quotes as (

    select * from {{ ref('int_quotes_unioned') }}
    where quote_date <= {{ as_of_date() }}

),

lines as (

    select * from {{ ref('int_quote_lines_unioned') }}

),

products as (

    select product_id, list_price from {{ ref('stg_crm__products') }}

),

opportunities as (

    select opportunity_id, department_id, is_closed, is_won from {{ ref('opportunities') }}

),

users as (

    select user_id, user_name, department_id from {{ ref('stg_crm__users') }}

),

departments as (

    select department_id, department_name from {{ ref('stg_crm__departments') }}

),

bands as (

    select band, lower_bound, upper_bound, sort_order
    from {{ source('settings', 'sales_bands') }}
    where band_kind = 'discount'

),

per_quote as (

    select
        lines.quote_id,
        cast(count(*) as {{ dbt.type_bigint() }})                            as line_count,
        cast(sum(lines.quantity * coalesce(lines.list_price, products.list_price)) as {{ type_decimal() }})
                                                                             as list_amount,
        cast(sum(lines.line_amount) as {{ type_decimal() }})                 as net_amount,
        cast(sum(case when coalesce(lines.list_price, products.list_price) is null then 1 else 0 end)
             as {{ dbt.type_bigint() }})                                     as lines_without_list_price
    from lines
    left join products on lines.product_id = products.product_id
    group by lines.quote_id

),

ranked as (

    select
        quotes.*,
        row_number() over (
            partition by quotes.opportunity_id
            order by quotes.quote_date desc, quotes.created_at desc, quotes.quote_id desc
        )                                                                    as rank_in_opportunity
    from quotes

),

measured as (

    select
        ranked.quote_id,
        ranked.quote_no,
        ranked.opportunity_id,
        ranked.account_id,
        ranked.owner_id,
        users.user_name                                                      as owner_name,
        coalesce(opportunities.department_id, users.department_id)           as department_id,
        ranked.status,
        ranked.approved_by,
        ranked.quote_date,
        cast({{ dbt.date_trunc('month', 'ranked.quote_date') }} as {{ type_date() }}) as quote_month,
        ranked.created_at,
        case when ranked.rank_in_opportunity = 1 then true else false end    as is_final_quote,
        opportunities.is_closed                                              as is_opportunity_closed,
        opportunities.is_won                                                 as is_opportunity_won,
        coalesce(per_quote.line_count, 0)                                    as line_count,
        coalesce(per_quote.lines_without_list_price, 0)                      as lines_without_list_price,
        per_quote.list_amount,
        per_quote.net_amount,
        per_quote.list_amount - per_quote.net_amount                         as discount_amount,
        -- a fraction 0-1 (0.12 = 12 % off list); empty without list value
        case when per_quote.list_amount > 0
             then round(1 - {{ divide('per_quote.net_amount', 'per_quote.list_amount') }}, 6) end
                                                                             as discount_depth
    from ranked
    left join per_quote on ranked.quote_id = per_quote.quote_id
    left join opportunities on ranked.opportunity_id = opportunities.opportunity_id
    left join users on ranked.owner_id = users.user_id

),

final as (

    select
        measured.*,
        departments.department_name,
        bands.band                                                           as discount_band,
        bands.sort_order                                                     as discount_band_order
    from measured
    left join departments on measured.department_id = departments.department_id
    -- bands are in percent; the depth rounded to the basis point so 5 % sits in 5-10 %
    left join bands
        on (bands.lower_bound is null or round(measured.discount_depth * 100, 4) >= bands.lower_bound)
       and (bands.upper_bound is null or round(measured.discount_depth * 100, 4) < bands.upper_bound)
       and measured.discount_depth is not null

)

select * from final
