-- callcenter.knowledge_articles: Knowledge-base articles (知识库). One row per article_id: the
-- latest version by updated_at (an edited article is delivered again with a later updated_at).

with

source as (

    select * from {{ source('callcenter', 'knowledge_articles') }}

),

renamed as (

    select
        -- ids
        cast(article_id as {{ dbt.type_string() }})        as article_id,

        -- attributes
        cast(title as {{ dbt.type_string() }})             as title,
        cast(body as {{ dbt.type_string() }})              as body,
        cast(similar_questions as {{ dbt.type_string() }}) as similar_questions,
        cast(product as {{ dbt.type_string() }})           as product,
        cast(category as {{ dbt.type_string() }})          as category,
        cast(status as {{ dbt.type_string() }})            as status,

        -- timestamps (Asia/Shanghai local)
        cast(updated_at as {{ dbt.type_timestamp() }})     as updated_at,

        -- lineage
        {{ staging_lineage() }}

    from source

),

deduplicated as (  -- one row per key: the latest version
    {{ staging_latest(['article_id'], newest_first=['updated_at desc']) }}
),

final as (

    select
        -- ids
        article_id,

        -- attributes
        title,
        body,
        similar_questions,
        product,
        category,
        status,

        -- timestamps (Asia/Shanghai local)
        updated_at,

        -- lineage
        {{ staging_lineage_columns() }}

    from deduplicated

)

select * from final
