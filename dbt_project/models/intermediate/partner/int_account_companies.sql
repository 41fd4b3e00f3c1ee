-- Every CRM account -> the company it belongs to (company_key, company_name), so duplicate
-- accounts of one company (entered twice by different reps, typed as name variants) roll up to
-- one company in every mart that joins on it. An account without a resolvable name stays a
-- company of its own (key 'ACCOUNT-<account_id>').

with

accounts as (

    select * from {{ ref('int_accounts_unioned') }}

),

names as (

    select * from {{ ref('int_partner_names_resolved') }}

),

final as (

    select
        -- ids
        accounts.account_id,
        coalesce(
            names.company_key,
            {{ dbt.concat(["'ACCOUNT-'", "cast(accounts.account_id as " ~ dbt.type_string() ~ ")"]) }}
        )                                                    as company_key,

        -- names
        accounts.account_name,
        coalesce(names.company_name, accounts.account_name)  as company_name,

        -- how the name was resolved
        coalesce(names.resolution_method, 'unresolved')      as resolution_method,
        names.resolution_status

    from accounts
    left join names on names.typed_name = accounts.account_name

)

select * from final
