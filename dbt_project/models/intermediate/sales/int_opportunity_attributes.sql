-- What a deal is, apart from its stage history: owner, department, type and the source of the
-- lead it came from. One row per opportunity. The win-probability model learns from these
-- (models_ml/win_probability.py) and sales.opportunities takes its lead_source from here.
-- Why a model of its own: nothing here depends on company resolution, so the model can score
-- right after the first dbt step and the forecast marts build with the other sales marts, not
-- in a dbt process of their own (docs/performance.md, issue 16).

with

opportunities as (

    select * from {{ ref('int_opportunities_unioned') }}

),

leads as (

    select lead_id, lead_source from {{ ref('int_leads_unioned') }}

)

select
    opportunities.opportunity_id,
    opportunities.owner_id,
    opportunities.department_id,
    opportunities.opportunity_type,
    leads.lead_source
from opportunities
left join leads on opportunities.lead_id = leads.lead_id
