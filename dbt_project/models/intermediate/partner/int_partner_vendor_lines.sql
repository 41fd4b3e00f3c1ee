-- Vendor side of partner reconciliation: order lines of CRM orders placed by a partner, one row
-- per order line, with the end customer's resolved company and any approved special price of
-- the deal (order -> opportunity -> deal registration -> special price of that product).
-- A special price applies to orders dated on or before its valid_until (no date: no expiry); an
-- expired one is not applied (approved_special_price null) but kept as expired_special_price, so
-- the reconciliation flags a partner still selling at it.

with

orders as (

    select * from {{ ref('int_orders_unioned') }}

),

order_lines as (

    select * from {{ ref('int_order_lines_unioned') }}

),

products as (

    select * from {{ ref('stg_crm__products') }}

),

accounts as (

    select * from {{ ref('int_accounts_unioned') }}

),

registrations as (

    select * from {{ ref('int_deal_registrations_unioned') }}

),

special_prices as (

    select * from {{ ref('stg_partners__special_prices') }}

),

names as (

    select * from {{ ref('int_partner_names_resolved') }}

),

partner_orders as (

    select *
    from orders
    where partner_id is not null
      and status not in ('draft', 'cancelled')

),

approved_prices as (

    -- the latest approved special price per registration and product
    select registration_id, product_code, approved_price, request_id, valid_until
    from (
        select
            registration_id,
            product_code,
            approved_price,
            request_id,
            valid_until,
            row_number() over (
                partition by registration_id, product_code
                order by decided_at desc, request_id desc
            ) as rn
        from special_prices
        where status = 'approved' and approved_price is not null
    ) ranked
    where rn = 1

),

deal_registration as (

    select crm_opportunity_id, min(registration_id) as registration_id
    from registrations
    where crm_opportunity_id is not null
    group by crm_opportunity_id

),

final as (

    select
        -- ids
        ol.order_line_id,
        o.order_id,
        o.partner_id,
        o.order_no                                  as order_ref,
        dr.registration_id,
        ap.request_id                               as special_price_request_id,
        n.company_key,

        -- attributes
        {{ partner_month_label('o.order_date') }}   as period,
        a.account_name                              as end_customer_name,
        p.product_code,

        -- amounts
        ol.quantity,
        ol.unit_price,
        case when ap.valid_until is null or cast(o.order_date as date) <= ap.valid_until
            then ap.approved_price end              as approved_special_price,
        case when cast(o.order_date as date) > ap.valid_until
            then ap.approved_price end              as expired_special_price,
        ap.valid_until                              as special_price_valid_until,
        ol.line_amount,

        -- dates
        cast(o.order_date as date)                  as order_date

    from partner_orders o
    inner join order_lines ol on ol.order_id = o.order_id
    left join products p on p.product_id = ol.product_id
    left join accounts a on a.account_id = o.account_id
    left join names n on n.typed_name = a.account_name
    left join deal_registration dr on dr.crm_opportunity_id = o.opportunity_id
    left join approved_prices ap
        on ap.registration_id = dr.registration_id and ap.product_code = p.product_code

)

select * from final
