-- Every upload of a partner report the raw layer holds (a corrected re-upload under the same
-- name is a new load of the same file): file, load id, file hash, load time, lines.
-- Reads the raw source for the lineage columns staging does not carry (_load_id, _file_hash).

with

raw_reports as (

    select * from {{ source('partners', 'sales_reports') }}

),

final as (

    select
        cast(_source_file as {{ dbt.type_string() }})   as source_file,
        cast(_load_id as {{ dbt.type_string() }})       as load_id,
        cast(_file_hash as {{ dbt.type_string() }})     as file_hash,
        {{ utc_to_local('_loaded_at') }}                as loaded_at,
        count(*)                                        as lines
    from raw_reports
    group by 1, 2, 3, 4

)

select * from final
