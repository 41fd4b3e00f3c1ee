-- The resolution review list: typed names that fuzzy or registry matching could not merge on
-- its own (score below the auto-merge threshold, or several registered companies), with the
-- suggested company, for a data steward to confirm or reject.

with

resolution as (

    select * from {{ source('partner_resolution', 'company_resolution') }}

),

final as (

    select
        typed_name,
        normalized_name,
        method,
        score,
        registry_match,
        suggested_company_key,
        suggested_company_name,
        company_key as current_company_key,
        occurrences,
        sources
    from resolution
    where status = 'review'

)

select * from final
