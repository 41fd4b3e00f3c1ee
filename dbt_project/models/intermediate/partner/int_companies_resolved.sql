-- One row per CRM account, CRM lead, deal registration and partner report line with the company
-- its typed name resolved to: the one map from any customer-bearing record to company_key.
-- record_key = '<record_type>:<record id>' (report lines: partner|month|line).

with

accounts as (

    -- the record key as plain columns, so the join below is two equalities (a hash join); a
    -- constant test on one side in the ON clause made DuckDB loop over every pair (21 s at S=10)
    select
        *,
        'account'                                                   as account_record_type,
        cast(account_id as {{ dbt.type_string() }})                 as account_record_id
    from {{ ref('int_account_companies') }}

),

leads as (

    select * from {{ ref('int_leads_unioned') }}

),

registrations as (

    select * from {{ ref('int_deal_registrations_unioned') }}

),

report_lines as (

    select * from {{ ref('stg_partners__sales_reports') }}

),

names as (

    select * from {{ ref('int_partner_names_resolved') }}

),

records as (

    select
        'account'                                                   as record_type,
        cast(account_id as {{ dbt.type_string() }})                 as record_id,
        account_name                                                as typed_name
    from accounts
    union all
    select
        'lead',
        cast(lead_id as {{ dbt.type_string() }}),
        company_name
    from leads
    union all
    select
        'deal_registration',
        cast(registration_id as {{ dbt.type_string() }}),
        customer_name
    from registrations
    union all
    select
        'partner_report_line',
        {{ dbt.concat(["partner_code", "'|'", "report_month", "'|'", "cast(line_no as " ~ dbt.type_string() ~ ")"]) }},
        end_customer_name
    from report_lines

),

final as (

    select
        -- ids
        {{ dbt.concat(["records.record_type", "':'", "records.record_id"]) }} as record_key,
        records.record_type,
        records.record_id,
        case
            when records.record_type = 'account' then accounts.company_key
            else names.company_key
        end                                                         as company_key,

        -- names
        records.typed_name,
        case
            when records.record_type = 'account' then accounts.company_name
            else names.company_name
        end                                                         as company_name,
        names.resolution_method,
        names.resolution_status

    from records
    left join names on names.typed_name = records.typed_name
    left join accounts
        on records.record_type = accounts.account_record_type
       and records.record_id = accounts.account_record_id

)

select * from final
