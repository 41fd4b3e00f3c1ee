-- 撞单: two different owners (reps or partners) with open opportunities or live deal
-- registrations on the same resolved company, one row per pair of claims, with both owners,
-- dates and the protection status: the earlier approved registration still inside its
-- protection period (default 90 days) keeps the deal.

with

claims as (

    select * from {{ ref('int_partner_claims') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

pairs as (

    select
        a.company_key,
        a.company_name,
        a.owner_type as owner_a_type, a.owner_id as owner_a_id, a.claim_type as claim_a_type,
        a.claim_id as claim_a_id, a.typed_name as typed_name_a, a.claim_status as claim_a_status,
        a.claimed_on as claimed_a_on, a.approved_on as approved_a_on, a.protected_until as protected_a_until,
        b.owner_type as owner_b_type, b.owner_id as owner_b_id, b.claim_type as claim_b_type,
        b.claim_id as claim_b_id, b.typed_name as typed_name_b, b.claim_status as claim_b_status,
        b.claimed_on as claimed_b_on, b.approved_on as approved_b_on, b.protected_until as protected_b_until
    from claims a
    inner join claims b
        on a.company_key = b.company_key
        and (a.owner_type <> b.owner_type or a.owner_id <> b.owner_id)
        -- each pair once: the earlier claim is A
        and (a.claimed_on < b.claimed_on or (a.claimed_on = b.claimed_on and a.claim_id < b.claim_id))

),

final as (

    select
        -- ids
        {{ dbt.concat(["p.claim_a_id", "'|'", "p.claim_b_id"]) }} as conflict_key,
        p.company_key,
        p.company_name,

        -- owner A (the earlier claim)
        p.owner_a_type, p.owner_a_id, p.claim_a_type, p.claim_a_id, p.typed_name_a,
        p.claim_a_status, p.claimed_a_on, p.approved_a_on, p.protected_a_until,

        -- owner B
        p.owner_b_type, p.owner_b_id, p.claim_b_type, p.claim_b_id, p.typed_name_b,
        p.claim_b_status, p.claimed_b_on, p.approved_b_on, p.protected_b_until,

        -- protection
        case
            when p.protected_a_until is not null and p.protected_a_until >= x.as_of_date
                and (p.approved_b_on is null or p.approved_a_on <= p.approved_b_on)
                then 'A protected'
            when p.protected_b_until is not null and p.protected_b_until >= x.as_of_date
                then 'B protected'
            when p.protected_a_until is not null or p.protected_b_until is not null
                then 'protection expired'
            else 'no registration protection'
        end as protection_status,
        case
            when p.protected_a_until is not null and p.protected_a_until >= x.as_of_date
                and (p.approved_b_on is null or p.approved_a_on <= p.approved_b_on)
                then p.claim_a_id
            when p.protected_b_until is not null and p.protected_b_until >= x.as_of_date
                then p.claim_b_id
        end as protected_claim_id,
        x.as_of_date

    from pairs p
    cross join as_of x

)

select * from final
