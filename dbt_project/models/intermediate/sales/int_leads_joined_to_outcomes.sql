-- One row per lead with the opportunity it converted into (if any) and that deal's outcome:
-- the base of the funnel (lead -> opportunity -> won).

with

leads as (

    select * from {{ ref('int_leads_unioned') }}

),

users as (

    select user_id, user_name, department_id from {{ ref('stg_crm__users') }}

),

departments as (

    select department_id, department_name from {{ ref('stg_crm__departments') }}

),

campaigns as (

    select campaign_id, campaign_name from {{ ref('stg_crm__campaigns') }}

),

opportunities as (

    select * from {{ ref('opportunities') }}

),

final as (

    select
        -- ids
        leads.lead_id,
        leads.owner_id,
        users.department_id,
        leads.campaign_id,
        opportunities.opportunity_id,

        -- dimensions
        coalesce(leads.lead_source, '(未知)')                               as lead_source,
        coalesce(campaigns.campaign_name, '(无活动)')                        as campaign_name,
        coalesce(departments.department_name, '(未知部门)')                  as department_name,
        coalesce(users.user_name, '(未知)')                                  as owner_name,
        cast({{ dbt.date_trunc('month', 'leads.created_at') }} as {{ type_date() }})   as lead_month,
        cast({{ dbt.date_trunc('quarter', 'leads.created_at') }} as {{ type_date() }}) as lead_quarter,

        -- outcome
        leads.status                                                         as lead_status,
        case when opportunities.opportunity_id is not null then 1 else 0 end as is_converted,
        case when opportunities.is_won then 1 else 0 end                     as is_won,
        case when opportunities.is_closed then 1 else 0 end                  as is_closed,
        coalesce(opportunities.amount, 0)                                    as opportunity_amount,
        case when opportunities.is_won then opportunities.amount else 0 end  as won_amount,

        -- durations (days)
        case when opportunities.opportunity_id is not null
             then {{ divide(dbt.datediff('leads.created_at', 'coalesce(leads.converted_at, opportunities.created_at)', 'second'), '86400') }}
        end                                                                  as days_lead_to_opportunity,
        case when opportunities.is_won
             then {{ divide(dbt.datediff('opportunities.created_at', 'opportunities.closed_at', 'second'), '86400') }}
        end                                                                  as days_opportunity_to_won

    from leads
    left join users on leads.owner_id = users.user_id
    left join departments on users.department_id = departments.department_id
    left join campaigns on leads.campaign_id = campaigns.campaign_id
    left join opportunities on leads.converted_opportunity_id = opportunities.opportunity_id

)

select * from final
