-- Typed company name -> resolved company (one row per distinct typed name).

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
        status    as resolution_status
    from resolution

)

select * from final
