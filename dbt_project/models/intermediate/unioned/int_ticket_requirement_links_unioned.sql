-- All ticket -> requirement links (N tickets : 1 requirement): the call center's
-- (stg_callcenter__ticket_requirement_links) and those made on the entry screens
-- (stg_ops__ticket_requirement_links: a suggestion accepted, a requirement typed or created from
-- the ticket), in the call center's columns and types; source_system 'callcenter' | 'ops'.

{{ union_store_rows(
    extracted=ref('stg_callcenter__ticket_requirement_links'),
    entered=ref('stg_ops__ticket_requirement_links'),
    source_system='callcenter',
    source_system_after='requirement_id'
) }}
