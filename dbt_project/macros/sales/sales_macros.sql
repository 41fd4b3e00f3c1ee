{#
    Macros of the sales area.

    sales_date_spine(start_date, end_date): one row per day (column date_day) between two date
    expressions, inclusive; portable (a cross join of digit rows, no generate_series).

    sales_median(expr): exact median of a group (the mean of the middle two for an even count);
    DuckDB median(), Spark percentile(x, 0.5) -- not percentile_approx, which would differ.

    sales_pipeline_as_of(as_of_date): the open pipeline as it stood at the END of a local date
    (every change with changed_at before the next midnight counts, later ones never), read
    from sales.opportunity_versions. This is the on-demand "any date" snapshot; the
    pipeline_snapshots mart materializes the same logic for a daily/weekly calendar.
    Usage in a model or analysis:  select * from ({{ sales_pipeline_as_of("date '2026-03-01'") }}) p
    The apps query it through the DuckDB table macro sales.pipeline_as_of(at_date) that
    sales_table_macros() (on-run-end) renders into the warehouse; movement likewise through
    sales.pipeline_movement_between(start_day, end_day, window_first_day, window_last_day).

    sales_version_days(versions): one row per day (date_day) from the first valid_from of the
    version history to the snapshot's as-of date (macro as_of_date), with that date as end_date:
    the calendar pipeline_snapshots and pipeline_movement count their dates on.
#}

{% macro sales_version_days(versions) -%}
    with
    bounds as (
        select
            cast(min(valid_from) as {{ type_date() }}) as first_date,
            {{ as_of_date() }} as end_date
        from {{ versions }}
    ),
    spine as (
        {{ sales_date_spine('(select first_date from bounds)', '(select end_date from bounds)') }}
    )
    select spine.date_day, bounds.end_date
    from spine
    cross join bounds
{%- endmacro %}

{% macro sales_date_spine(start_date, end_date) -%}
    with digits as (
        select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
        union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
    ),
    numbers as (
        select a.d + 10 * b.d + 100 * c.d + 1000 * e.d as n
        from digits a cross join digits b cross join digits c cross join digits e
    )
    select {{ dbt.dateadd('day', 'n', start_date) }} as date_day
    from numbers
    where {{ dbt.dateadd('day', 'n', start_date) }} <= {{ end_date }}
{%- endmacro %}


{#
    sales_union_all_grid(outer, inner), used as a call block: one select per (outer, inner)
    pair, rendered by the block body, joined with union all (funnel_conversion: period x
    dimension; targets_attainment: period x scope).
        {% call(period, dimension) sales_union_all_grid(periods, dimensions) %} select ... {% endcall %}
#}
{% macro sales_union_all_grid(outer, inner) -%}
    {%- set cells = [] -%}
    {%- for a in outer -%}
        {%- for b in inner -%}
            {%- do cells.append([a, b]) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for cell in cells %}
    {{ caller(cell[0], cell[1]) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}


{% macro sales_median(expr) -%}
    {{ return(adapter.dispatch('sales_median', 'crmlake')(expr)) }}
{%- endmacro %}

{% macro duckdb__sales_median(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro default__sales_median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}


{% macro sales_pipeline_as_of(as_of_date, versions_relation=none) -%}
    {%- set versions = versions_relation or ref('opportunity_versions') -%}
    select
        v.opportunity_id,
        cast({{ as_of_date }} as {{ type_date() }}) as snapshot_date,
        v.stage,
        v.stage_probability,
        v.forecast_category,
        v.amount,
        v.close_date,
        v.valid_from
    from {{ versions }} as v
    where v.valid_from < {{ dbt.dateadd('day', 1, 'cast(' ~ as_of_date ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
      and (v.valid_to is null
           or v.valid_to >= {{ dbt.dateadd('day', 1, 'cast(' ~ as_of_date ~ ' as ' ~ dbt.type_timestamp() ~ ')') }})
      and not v.is_closed
{%- endmacro %}


{#
    Generic test: every non-null value of the column lies in [min_value, max_value].
    Used to prove probabilities are fractions 0-1 (a percent stored as 65 fails it).
#}
{% test sales_value_between(model, column_name, min_value, max_value) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}


{#
    sales_pipeline_movement(periods, versions): how the open pipeline with a close date in a
    window moved between two dates, one row per period and opportunity that was in the window's
    pipeline at the start or at the end (end-of-day states, as in sales_pipeline_as_of).
    `periods` is a relation/CTE with period_type, period_start, period_end, window_start,
    window_end (dates). Categories (each row exactly one; start + sum(movement) = end):
      new        created after period_start, in the window's open pipeline at the end   (+end)
      pulled_in  open at the start with a close date outside the window, now inside     (+end)
      reopened   closed at the start, open in the window at the end                     (+end)
      won / lost in the window at the start, closed won / lost by the end              (-start)
      pushed_out in the window at the start, still open with a close date after it      (-start)
      moved_earlier  same but the close date moved before the window start              (-start)
      amount_up / amount_down   in the window at both dates with another amount  (end - start)
      slipped    in the window at both, same amount, close date moved later              (0)
      unchanged  in the window at both, nothing moved                                   (0)
    is_slipped flags every row whose close date moved later while staying in the window.
#}
{% macro sales_pipeline_movement(periods, versions) -%}
    with
    start_state as (
        select p.period_type, p.period_start, p.period_end, p.window_start, p.window_end,
               v.opportunity_id, v.amount, v.close_date, v.stage, v.is_closed, v.is_won
        from {{ periods }} as p
        inner join {{ versions }} as v
            on v.valid_from < {{ dbt.dateadd('day', 1, 'cast(p.period_start as ' ~ dbt.type_timestamp() ~ ')') }}
           and (v.valid_to is null
                or v.valid_to >= {{ dbt.dateadd('day', 1, 'cast(p.period_start as ' ~ dbt.type_timestamp() ~ ')') }})
    ),
    end_state as (
        select p.period_type, p.period_start, p.period_end, p.window_start, p.window_end,
               v.opportunity_id, v.amount, v.close_date, v.stage, v.is_closed, v.is_won
        from {{ periods }} as p
        inner join {{ versions }} as v
            on v.valid_from < {{ dbt.dateadd('day', 1, 'cast(p.period_end as ' ~ dbt.type_timestamp() ~ ')') }}
           and (v.valid_to is null
                or v.valid_to >= {{ dbt.dateadd('day', 1, 'cast(p.period_end as ' ~ dbt.type_timestamp() ~ ')') }})
    ),
    paired as (
        select
            coalesce(s.period_type, e.period_type)       as period_type,
            coalesce(s.period_start, e.period_start)     as period_start,
            coalesce(s.period_end, e.period_end)         as period_end,
            coalesce(s.window_start, e.window_start)     as window_start,
            coalesce(s.window_end, e.window_end)         as window_end,
            coalesce(s.opportunity_id, e.opportunity_id) as opportunity_id,
            case when s.opportunity_id is not null and not s.is_closed
                      and s.close_date >= s.window_start and s.close_date <= s.window_end
                 then true else false end                as in_start,
            case when e.opportunity_id is not null and not e.is_closed
                      and e.close_date >= e.window_start and e.close_date <= e.window_end
                 then true else false end                as in_end,
            s.opportunity_id is not null                 as existed_at_start,
            s.is_closed                                  as start_is_closed,
            s.stage                                      as start_stage,
            s.amount                                     as start_state_amount,
            s.close_date                                 as start_close_date,
            e.stage                                      as end_stage,
            e.is_closed                                  as end_is_closed,
            e.is_won                                     as end_is_won,
            e.amount                                     as end_state_amount,
            e.close_date                                 as end_close_date
        from start_state as s
        full outer join end_state as e
            on s.period_type = e.period_type
           and s.period_start = e.period_start
           and s.period_end = e.period_end
           and s.window_start = e.window_start
           and s.opportunity_id = e.opportunity_id
    ),
    classified as (
        select
            paired.*,
            case
                when in_start and in_end and end_state_amount > start_state_amount then 'amount_up'
                when in_start and in_end and end_state_amount < start_state_amount then 'amount_down'
                when in_start and in_end and end_close_date > start_close_date then 'slipped'
                when in_start and in_end then 'unchanged'
                when in_start and end_is_closed and end_is_won then 'won'
                when in_start and end_is_closed then 'lost'
                when in_start and end_close_date > window_end then 'pushed_out'
                when in_start then 'moved_earlier'
                when not existed_at_start then 'new'
                when start_is_closed then 'reopened'
                else 'pulled_in'
            end as movement_category,
            case when in_start then start_state_amount else 0 end as start_amount,
            case when in_end then end_state_amount else 0 end     as end_amount,
            case when in_start and in_end and end_close_date > start_close_date
                 then true else false end                          as is_slipped
        from paired
        where in_start or in_end
    )
    select
        period_type,
        period_start,
        period_end,
        window_start,
        window_end,
        opportunity_id,
        movement_category,
        is_slipped,
        start_stage,
        end_stage,
        start_close_date,
        end_close_date,
        cast(start_amount as {{ type_decimal() }})              as start_amount,
        cast(end_amount as {{ type_decimal() }})                as end_amount,
        cast(end_amount - start_amount as {{ type_decimal() }}) as movement_amount
    from classified
{%- endmacro %}


{#
    on-run-end (dbt_project.yml): the on-demand pipeline as DuckDB table macros in the warehouse,
    published with the snapshot (a file copy) and queried by apps/sales_data.py on its read-only
    connection, with the rules of sales_pipeline_as_of / sales_pipeline_movement above:
      sales.pipeline_as_of(at_date): the open pipeline at the end of at_date, one row per
          opportunity, with its owner, department and name and the weighted amount;
      sales.pipeline_movement_between(start_day, end_day, window_first_day, window_last_day):
          each opportunity's movement in the window's open pipeline between the ends of the two
          days (period_type 'on_demand'), with its owner.
    DuckDB binds a macro's tables when it is created, so they are (re)created only once their
    inputs exist (built_relation: ref() cannot be used in a hook).
    Spark has no table macros: nothing to do there.
#}
{% macro sales_table_macros() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set versions = built_relation('opportunity_versions') -%}
    {%- set opportunities = built_relation('opportunities') -%}
    {%- if [versions, opportunities] | select('none') | list -%}
        {{ return('') }}
    {%- endif -%}
    {%- set pipeline_as_of -%}
    create or replace macro {{ versions.schema }}.pipeline_as_of(at_date) as table
    with
    pipeline as (
        {{ sales_pipeline_as_of('at_date', versions) }}
    )
    select
        pipeline.*,
        opportunities.owner_id,
        opportunities.owner_name,
        opportunities.department_name,
        opportunities.opportunity_name,
        cast(pipeline.amount * pipeline.stage_probability as {{ type_decimal() }}) as weighted_amount
    from pipeline
    inner join {{ opportunities }} as opportunities
        on pipeline.opportunity_id = opportunities.opportunity_id
    {%- endset -%}
    {%- set movement_between -%}
    create or replace macro {{ versions.schema }}.pipeline_movement_between(
        start_day, end_day, window_first_day, window_last_day) as table
    with
    periods as (
        select
            'on_demand'                                 as period_type,
            cast(start_day as {{ type_date() }})        as period_start,
            cast(end_day as {{ type_date() }})          as period_end,
            cast(window_first_day as {{ type_date() }}) as window_start,
            cast(window_last_day as {{ type_date() }})  as window_end
    ),
    movement as (
        {{ sales_pipeline_movement('periods', versions) }}
    )
    select
        movement.*,
        opportunities.owner_id
    from movement
    inner join {{ opportunities }} as opportunities
        on movement.opportunity_id = opportunities.opportunity_id
    {%- endset -%}
    {%- do run_query(pipeline_as_of) -%}
    {%- do run_query(movement_between) -%}
    {%- do adapter.commit() -%}
{%- endmacro %}
