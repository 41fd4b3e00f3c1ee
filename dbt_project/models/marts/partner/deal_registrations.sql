-- Deal registrations (报备) checked: resolved company, approval and protection status, whether
-- a rep's opportunity on the company existed before the submission, and other partners'
-- live registrations on the same company; special price requests of the deal and the actual
-- selling price partners reported afterwards compared with the approved price.

with

registrations as (

    select * from {{ ref('int_partner_registrations_protected') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_unioned') }}

),

accounts as (

    select * from {{ ref('int_accounts_unioned') }}

),

special_prices as (

    select * from {{ ref('stg_partners__special_prices') }}

),

report as (

    select * from {{ ref('int_partner_report_lines') }}

),

names as (

    select * from {{ ref('int_partner_names_resolved') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

resolved as (

    select r.*, n.company_key, n.company_name, n.resolution_method, n.resolution_score
    from registrations r
    left join names n on n.typed_name = r.customer_name

),

prior_opportunities as (

    select r.registration_id, count(*) as prior_opportunities
    from resolved r
    inner join names n on n.company_key = r.company_key
    inner join accounts a on a.account_name = n.typed_name
    inner join opportunities o
        on o.account_id = a.account_id
        and o.created_at < r.submitted_at
        and o.status = 'open'
        and (r.crm_opportunity_id is null or o.opportunity_id <> r.crm_opportunity_id)
    group by r.registration_id

),

competing as (

    select r.registration_id, count(*) as competing_registrations
    from resolved r
    inner join resolved other
        on other.company_key = r.company_key
        and other.partner_id <> r.partner_id
        and other.status in ('pending', 'approved')
    group by r.registration_id

),

prices as (

    select
        sp.registration_id,
        count(*) as special_price_requests,
        sum(case when sp.status = 'approved' then 1 else 0 end) as special_prices_approved,
        min(case when sp.status = 'approved' then sp.approved_price end) as lowest_approved_price
    from special_prices sp
    group by sp.registration_id

),

actual as (

    -- partner-reported selling prices below the approved special price of the deal's product
    select sp.registration_id, count(*) as lines_below_approved_price
    from special_prices sp
    inner join resolved r on r.registration_id = sp.registration_id
    inner join report rl
        on rl.partner_id = sp.partner_id
        and rl.company_key = r.company_key
        and rl.product_code = sp.product_code
        and rl.sale_date >= cast(sp.decided_at as date)
    where sp.status = 'approved' and rl.unit_price < sp.approved_price
    group by sp.registration_id

),

final as (

    select
        -- ids
        r.registration_id,
        r.partner_id,
        r.crm_opportunity_id,
        r.company_key,

        -- attributes
        r.customer_name,
        r.company_name,
        r.resolution_method,
        r.resolution_score,
        r.product_line,
        r.status,

        -- amounts
        r.estimated_amount,

        -- dates
        r.submitted_at,
        r.approved_at,
        r.protection_days,
        r.protected_until,
        case
            when r.status <> 'approved' then {{ dbt.concat(["'not protected ('", "r.status", "')'"]) }}
            when r.protected_until >= x.as_of_date then 'protected'
            else 'protection expired'
        end as protection_status,

        -- checks
        coalesce(po.prior_opportunities, 0)         as prior_rep_opportunities,
        coalesce(c.competing_registrations, 0)      as competing_registrations,
        coalesce(pr.special_price_requests, 0)      as special_price_requests,
        coalesce(pr.special_prices_approved, 0)     as special_prices_approved,
        pr.lowest_approved_price,
        coalesce(ac.lines_below_approved_price, 0)  as report_lines_below_approved_price

    from resolved r
    cross join as_of x
    left join prior_opportunities po on po.registration_id = r.registration_id
    left join competing c on c.registration_id = r.registration_id
    left join prices pr on pr.registration_id = r.registration_id
    left join actual ac on ac.registration_id = r.registration_id

)

select * from final
