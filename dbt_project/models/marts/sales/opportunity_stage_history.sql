-- Every stage an opportunity went through: entered when the stage was set, exited when the
-- next different stage was set (null while it is still in it), days in stage. Changes of amount
-- or close date within a stage do not start a new row.

with

versions as (

    select * from {{ ref('opportunity_versions') }}

),

data_end as (  -- an open stage is counted up to the snapshot's as-of (macro as_of_at)

    select {{ as_of_at() }} as data_end_at

),

stage_entries as (

    select
        opportunity_id,
        stage_change_id,
        previous_stage,
        stage,
        stage_order,
        is_closed,
        valid_from as entered_at
    from versions
    where is_stage_change

),

with_exit as (

    select
        stage_entries.*,
        lead(entered_at) over (
            partition by opportunity_id order by entered_at, stage_change_id
        ) as exited_at,
        row_number() over (
            partition by opportunity_id order by entered_at, stage_change_id
        ) as stage_sequence
    from stage_entries

),

final as (

    select
        -- ids
        with_exit.opportunity_id,
        with_exit.stage_change_id,
        with_exit.stage_sequence,

        -- stages
        with_exit.previous_stage                                     as from_stage,
        with_exit.stage,
        with_exit.stage_order,
        with_exit.is_closed,

        -- timestamps (Asia/Shanghai local)
        with_exit.entered_at,
        with_exit.exited_at,

        -- duration: fractional days until exit, or until the data's end for open stages
        -- (closed stages have no duration)
        case
            when with_exit.is_closed then null
            else {{ divide(dbt.datediff('with_exit.entered_at',
                                        'coalesce(with_exit.exited_at, data_end.data_end_at)', 'second'), '86400') }}
        end                                                          as days_in_stage

    from with_exit
    cross join data_end

)

select * from final
