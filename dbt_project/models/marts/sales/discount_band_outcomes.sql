-- Win rate and cycle time by discount band (sales.yml discount_bands), per rep and department:
-- every CLOSED opportunity that had a quote, in the band of its final quote's discount depth
-- (quote_discounts.is_final_quote). Win rate = won / closed in the band; cycle time = days from
-- the opportunity's creation to its close (closed_date). The counts and day sums add up across
-- reps and departments, so the page's totals are sums of these rows.

with

final_quotes as (

    select opportunity_id, discount_depth, discount_band, discount_band_order
    from {{ ref('quote_discounts') }}
    where is_final_quote and discount_band is not null

),

closed as (

    select * from {{ ref('opportunities') }}
    where is_closed and closed_date is not null and closed_date <= {{ as_of_date() }}

),

deals as (

    select
        closed.owner_id,
        closed.owner_name,
        closed.department_id,
        closed.department_name,
        final_quotes.discount_band,
        final_quotes.discount_band_order,
        closed.is_won,
        closed.amount,
        final_quotes.discount_depth,
        {{ dbt.datediff('cast(closed.created_at as ' ~ type_date() ~ ')', 'closed.closed_date', 'day') }}
                                                                             as cycle_days
    from closed
    inner join final_quotes on closed.opportunity_id = final_quotes.opportunity_id

),

final as (

    select
        owner_id,
        owner_name,
        department_id,
        department_name,
        discount_band,
        discount_band_order,
        cast(count(*) as {{ dbt.type_bigint() }}) as closed_deals,
        cast(sum(case when is_won then 1 else 0 end) as {{ dbt.type_bigint() }}) as won_deals,
        cast(sum(case when is_won then 0 else 1 end) as {{ dbt.type_bigint() }}) as lost_deals,
        cast(sum(case when is_won then amount else 0 end) as {{ type_decimal() }}) as won_amount,
        round({{ divide('sum(case when is_won then 1 else 0 end)', 'count(*)') }}, 6) as win_rate,
        cast(sum(cycle_days) as {{ dbt.type_bigint() }}) as cycle_days_total,
        cast(sum(case when is_won then cycle_days else 0 end) as {{ dbt.type_bigint() }}) as won_cycle_days_total,
        round({{ divide('sum(cycle_days)', 'count(*)') }}, 2)                as avg_cycle_days
    from deals
    group by 1, 2, 3, 4, 5, 6

)

select * from final
