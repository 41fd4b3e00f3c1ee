-- What the vendor pays a partner with a statement (docs/partner.md, settlement to payout), one row
-- per payout line, keyed to the statement of its month (statement_key = '<partner_id>|<YYYY-MM>'):
--   rebate             a rebate above 0 (partner.rebates, the policy's own semantics), on the
--                      statement of the last month of its period (Q3 -> YYYY-09, a year -> YYYY-12);
--   market_fund        an approved market-fund line (partners.channel_funds): its amount;
--   promotion_subsidy  an approved subsidy line: unit_subsidy x the units of its product the
--                      partner bought in the month (vendor order lines, not draft or cancelled).
-- A payout line may wait for its statement (no partner report for that month yet).

with

rebates as (

    select * from {{ ref('rebates') }}

),

funds as (

    select * from {{ ref('stg_partners__channel_funds') }}

),

vendor as (

    select * from {{ ref('int_partner_vendor_lines') }}

),

rebate_lines as (

    select
        partner_id,
        {{ partner_month_label(
            "case period_type when 'month' then period_start "
            ~ "when 'quarter' then " ~ dbt.dateadd('month', 2, 'period_start') ~ " "
            ~ "else " ~ dbt.dateadd('month', 11, 'period_start') ~ " end") }}   as period,
        'rebate'                                                            as payout_type,
        policy_code                                                         as source_code,
        policy_name                                                         as description,
        cast(null as {{ dbt.type_string() }})                               as product_code,
        net_purchases                                                       as basis_amount,
        cast(null as {{ type_decimal(18, 3) }})                             as basis_quantity,
        rate_reached                                                        as unit_amount,
        rebate                                                              as amount
    from rebates
    where rebate > 0

),

bought as (

    select partner_id, period, product_code, sum(quantity) as quantity
    from vendor
    group by partner_id, period, product_code

),

fund_lines as (

    select
        f.partner_id,
        f.period,
        f.fund_type                                                         as payout_type,
        f.fund_id                                                           as source_code,
        f.description,
        f.product_code,
        cast(null as {{ type_decimal() }})                                  as basis_amount,
        case when f.fund_type = 'promotion_subsidy' then coalesce(b.quantity, 0) end as basis_quantity,
        case when f.fund_type = 'promotion_subsidy' then f.unit_subsidy end as unit_amount,
        case
            when f.fund_type = 'promotion_subsidy' then round(coalesce(f.unit_subsidy, 0) * coalesce(b.quantity, 0), 2)
            else round(coalesce(f.amount, 0), 2)
        end                                                                 as amount
    from funds f
    left join bought b
        on f.fund_type = 'promotion_subsidy'
        and b.partner_id = f.partner_id and b.period = f.period and b.product_code = f.product_code
    where f.fund_type in ('market_fund', 'promotion_subsidy')

),

unioned as (

    select * from rebate_lines
    union all
    select * from fund_lines

),

final as (

    select
        -- ids
        {{ dbt.concat(["cast(partner_id as " ~ dbt.type_string() ~ ")", "'|'", "period"]) }} as statement_key,
        {{ dbt.concat(["cast(partner_id as " ~ dbt.type_string() ~ ")", "'|'", "period", "'|'", "payout_type",
            "'|'", "source_code"]) }}                                                     as payout_key,
        partner_id,
        period,
        source_code,

        -- classification
        payout_type,

        -- attributes
        description,
        product_code,

        -- amounts (CNY)
        round(basis_amount, 2)  as basis_amount,
        basis_quantity,
        unit_amount,
        round(amount, 2)        as amount

    from unioned

)

select * from final
