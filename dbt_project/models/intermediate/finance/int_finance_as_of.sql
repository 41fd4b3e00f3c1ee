-- The finance reporting date: the snapshot's one as-of date (macro as_of_date: var as_of, else
-- the end of the latest day of activity in the loaded data), so a rebuild is deterministic.

with

final as (

    select {{ as_of_date() }} as as_of_date

)

select * from final
