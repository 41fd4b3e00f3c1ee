-- Deal registrations with the last day of their protection period (保护期): the approval date
-- plus the registration's own protection_days, else partner.yml registration_protection_days
-- (settings.parameters, default 90). The one home of the protection rule: the claims and the
-- deal_registrations mart read protected_until from here.

with

registrations as (

    select * from {{ ref('int_deal_registrations_unioned') }}

),

parameters as (

    select partner_registration_protection_days
    from {{ source('settings', 'parameters') }}

),

final as (

    select
        r.*,
        case when r.approved_at is not null then
            cast({{ dbt.dateadd('day', 'coalesce(r.protection_days, parameters.partner_registration_protection_days)', 'cast(r.approved_at as date)') }} as date)
        end as protected_until
    from registrations r
    cross join parameters

)

select * from final
