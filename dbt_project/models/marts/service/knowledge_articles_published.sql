-- The knowledge base the answer matching indexes (models_ml/knowledge_matching.py): published
-- articles only (drafts and archived ones are never suggested), one row per article, the latest
-- version. The ticket and knowledge screens build their index from this table.

with

articles as (

    select * from {{ ref('stg_callcenter__knowledge_articles') }}

),

final as (

    select
        article_id,
        title,
        body,
        similar_questions,
        product,
        category,
        updated_at
    from articles
    where status = 'published'

)

select * from final
