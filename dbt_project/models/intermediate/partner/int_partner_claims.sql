-- Who is after which company: open CRM opportunities (owner = rep) and live deal registrations
-- (owner = partner: pending, or approved and not yet won/lost/expired), one row per claim,
-- with the resolved company and the registration's protection window (approved ones only).

with

opportunities as (

    select * from {{ ref('int_opportunities_unioned') }}

),

accounts as (

    select * from {{ ref('int_accounts_unioned') }}

),

registrations as (

    select * from {{ ref('int_partner_registrations_protected') }}

),

names as (

    select * from {{ ref('int_partner_names_resolved') }}

),

opportunity_claims as (

    select
        n.company_key,
        n.company_name,
        'rep'                                                   as owner_type,
        cast(o.owner_id as {{ dbt.type_string() }})             as owner_id,
        'opportunity'                                           as claim_type,
        cast(o.opportunity_id as {{ dbt.type_string() }})       as claim_id,
        a.account_name                                          as typed_name,
        o.status                                                as claim_status,
        cast(o.created_at as date)                              as claimed_on,
        cast(null as date)                                      as approved_on,
        cast(null as date)                                      as protected_until
    from opportunities o
    inner join accounts a on a.account_id = o.account_id
    inner join names n on n.typed_name = a.account_name
    where o.status = 'open'

),

registration_claims as (

    select
        n.company_key,
        n.company_name,
        'partner'                                               as owner_type,
        cast(r.partner_id as {{ dbt.type_string() }})           as owner_id,
        'registration'                                          as claim_type,
        r.registration_id                                       as claim_id,
        r.customer_name                                         as typed_name,
        r.status                                                as claim_status,
        cast(r.submitted_at as date)                            as claimed_on,
        cast(r.approved_at as date)                             as approved_on,
        case when r.status = 'approved' then r.protected_until end as protected_until
    from registrations r
    inner join names n on n.typed_name = r.customer_name
    where r.status in ('pending', 'approved')

),

final as (

    select * from opportunity_claims
    union all
    select * from registration_claims

)

select * from final
