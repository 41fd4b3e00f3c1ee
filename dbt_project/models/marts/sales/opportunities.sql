-- Current state of every opportunity (商机), one row per opportunity_id, with its resolved
-- account, owner, department, stage probability as a FRACTION 0-1, forecast category, and the
-- lead and campaign it came from.
-- company_key: the company the account resolves to (int_account_companies), so two accounts of
-- one company (name variants entered by different reps) count as one customer.

with

opportunities as (

    select * from {{ ref('int_opportunities_unioned') }}

),

accounts as (

    select account_id, account_name from {{ ref('int_accounts_unioned') }}

),

companies as (

    select * from {{ ref('int_account_companies') }}

),

users as (

    select user_id, user_name from {{ ref('stg_crm__users') }}

),

departments as (

    select department_id, department_name from {{ ref('stg_crm__departments') }}

),

leads as (

    select * from {{ ref('int_leads_unioned') }}

),

attributes as (

    select opportunity_id, lead_source from {{ ref('int_opportunity_attributes') }}

),

campaigns as (

    select * from {{ ref('stg_crm__campaigns') }}

),

stages as (

    select * from {{ source('settings', 'stage_probabilities') }}

),

versions as (

    select * from {{ ref('opportunity_versions') }}

),

-- first version (creation values) and the moment the deal closed
version_summary as (

    select
        opportunity_id,
        min(valid_from)                                                      as first_seen_at,
        min(case when is_closed then valid_from end)                         as closed_at,
        max(close_date_push_count)                                           as close_date_push_count,
        count(*)                                                             as change_count
    from versions
    group by opportunity_id

),

first_version as (

    select opportunity_id, amount as initial_amount, close_date as initial_close_date
    from versions
    where version_number = 1

),

final as (

    select
        -- ids
        opportunities.opportunity_id,
        opportunities.account_id,
        accounts.account_id                                                  as resolved_account_id,
        companies.company_key,
        opportunities.owner_id,
        opportunities.department_id,
        opportunities.lead_id,
        coalesce(opportunities.campaign_id, leads.campaign_id)               as campaign_id,
        opportunities.partner_id,

        -- names
        opportunities.opportunity_name,
        accounts.account_name,
        companies.company_name,
        case when accounts.account_id is null then true else false end       as is_account_unknown,
        users.user_name                                                      as owner_name,
        departments.department_name,
        campaigns.campaign_name,
        attributes.lead_source,

        -- state
        opportunities.opportunity_type,
        opportunities.stage,
        stages.stage_order,
        opportunities.status,
        opportunities.loss_reason,
        case when opportunities.status in ('won', 'lost') then true else false end
                                                                             as is_closed,
        case when opportunities.status = 'won' then true else false end      as is_won,
        -- the CRM's percent as a fraction; the stage's default (sales.yml) where the CRM has none
        cast(coalesce({{ divide('opportunities.win_rate_pct', '100') }}, stages.stage_probability)
             as {{ type_decimal(5, 4) }})                                    as stage_probability,
        coalesce(opportunities.forecast_category, stages.forecast_category)  as forecast_category,

        -- amounts (CNY)
        opportunities.amount,
        first_version.initial_amount,
        -- decimal x decimal: exact, then half up to the cent on both engines
        -- (6,219,510.30 x 0.75 = 4,664,632.725 -> .73)
        cast(opportunities.amount
             * cast(coalesce({{ divide('opportunities.win_rate_pct', '100') }}, stages.stage_probability) as {{ type_decimal(5, 4) }})
             as {{ type_decimal() }})                                        as weighted_amount,

        -- dates
        opportunities.close_date                                             as expected_close_date,
        first_version.initial_close_date,
        coalesce(version_summary.close_date_push_count, 0)                   as close_date_push_count,
        cast(version_summary.closed_at as {{ type_date() }})                 as closed_date,

        -- timestamps (Asia/Shanghai local)
        opportunities.created_at,
        opportunities.updated_at,
        version_summary.closed_at,
        leads.converted_at                                                   as lead_converted_at,
        leads.created_at                                                     as lead_created_at

    from opportunities
    left join accounts on opportunities.account_id = accounts.account_id
    left join companies on opportunities.account_id = companies.account_id
    left join users on opportunities.owner_id = users.user_id
    left join departments on opportunities.department_id = departments.department_id
    left join leads on opportunities.lead_id = leads.lead_id
    left join attributes on opportunities.opportunity_id = attributes.opportunity_id
    left join campaigns on coalesce(opportunities.campaign_id, leads.campaign_id) = campaigns.campaign_id
    left join stages on opportunities.stage = stages.stage
    left join version_summary on opportunities.opportunity_id = version_summary.opportunity_id
    left join first_version on opportunities.opportunity_id = first_version.opportunity_id

)

select * from final
