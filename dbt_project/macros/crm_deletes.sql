{#
    crm_is_deleted(): whether a raw CRM row is a delete marker (`"_deleted": true` in its landing
    record: the record was deleted in the CRM at its `updatedAt`; docs/sources.md, "how deletes
    and corrections flow"). Raw keeps markers as versions like any other; every CRM staging model
    orders them with the other versions (a delete wins a tie of `updatedAt`) and leaves out the ids
    whose newest version is a delete, so a record saved again after its delete comes back.
    Raw files loaded before markers existed have no `_deleted` (null): not a delete.
#}
{% macro crm_is_deleted() -%}
        coalesce(cast(_deleted as {{ dbt.type_boolean() }}), false) as is_deleted
{%- endmacro %}
