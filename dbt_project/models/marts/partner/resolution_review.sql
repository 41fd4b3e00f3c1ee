-- The resolution review list: typed names that fuzzy or registry matching could not merge on
-- its own (score below the auto-merge threshold, or several registered companies), with the
-- suggested company, for a data steward to confirm or reject.

with

names as (

    select * from {{ ref('int_partner_names_resolved') }}

),

final as (

    select
        typed_name,
        normalized_name,
        resolution_method as method,
        resolution_score  as score,
        registry_match,
        suggested_company_key,
        suggested_company_name,
        company_key       as current_company_key,
        occurrences,
        sources
    from names
    where resolution_status = 'review'

)

select * from final
