-- Typed company name -> resolved company (one row per distinct typed name), with the matching
-- evidence the name-review list shows. The one reader of partner.company_resolution.

with

resolution as (

    select * from {{ source('partner_resolution', 'company_resolution') }}

),

final as (

    select
        typed_name,
        company_key,
        company_name,
        method    as resolution_method,
        score     as resolution_score,
        status    as resolution_status,

        -- matching evidence (the review list)
        normalized_name,
        registry_match,
        suggested_company_key,
        suggested_company_name,
        occurrences,
        sources
    from resolution

)

select * from final
