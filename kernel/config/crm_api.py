"""crm_api.yml: how to reach the company's 销售易 tenant and how its objects map to the contract.

The contract's CRM entities already use 销售易's standard field names (``accountName``,
``dimDepart``, ``ownerId``, ``createdAt``/``updatedAt`` in epoch milliseconds), so a tenant
needs only the differences: an object whose apiKey is not the default below, and a field the
tenant keeps under another apiKey (typically a custom field ``xxx__c``). Secrets are never
here: the client id/secret and the user's credentials come from the environment
(``pipelines.sources.crm_api.secrets``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The tenant object (apiKey) behind each contract entity when crm_api.yml does not name one.
# Standard 销售易 objects by their standard apiKey; the rest are what a tenant typically builds as
# custom objects (``__c``): check them against the tenant's object list before the first pull.
DEFAULT_OBJECT_KEYS: dict[str, str] = {
    "crm.departments": "department",
    "crm.users": "user",
    "crm.campaigns": "campaign",
    "crm.leads": "lead",
    "crm.accounts": "account",
    "crm.contacts": "contact",
    "crm.opportunities": "opportunity",
    "crm.opportunity_stage_history": "opportunityStageHistory__c",
    "crm.quotes": "quote",
    "crm.quote_lines": "quoteLine",
    "crm.orders": "order",
    "crm.order_lines": "orderProduct",
    "crm.contracts": "contract",
    "crm.payment_plans": "paymentPlan",
    "crm.payment_installments": "paymentPlanDetail",
    "crm.receipts": "payment",
    "crm.products": "product",
    "crm.price_books": "priceBook",
    "crm.price_book_entries": "priceBookEntry",
    "crm.sales_targets": "salesTarget__c",
    "crm.commission_plans": "commissionPlan__c",
    "crm.commission_plan_rules": "commissionPlanRule__c",
    "crm.commission_assignments": "commissionAssignment__c",
    "crm.order_splits": "orderSplit__c",
    "crm.expenses": "expense",
    "crm.activities": "activityRecord",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CrmObject(_Strict):
    """One contract entity's object in the tenant."""

    api_key: str | None = Field(None, description=(
        "The tenant object's apiKey; empty = the default (docs/sources.md lists them)."))
    fields: dict[str, str] = Field(default_factory=dict, description=(
        "Contract field -> the tenant field's apiKey, only where they differ "
        "(e.g. unifiedSocialCreditCode: creditCode__c)."))
    extract: bool = Field(True, description="false = this entity is not pulled from the API.")


class CrmApi(_Strict):
    """Pulling the CRM from 销售易's OpenAPI (`crmlake extract crm`): where, how politely, and how
    the tenant's objects and fields map to the contract. Credentials come from the environment only."""

    base_url: str = Field("https://api.xiaoshouyi.com", description=(
        "The tenant's API address; CRMLAKE_CRM_BASE_URL overrides it (e.g. the local simulator)."))
    page_size: int = Field(500, ge=1, le=3000, description="Records per query page (XOQL limit).")
    requests_per_minute: int = Field(300, ge=1, le=100_000, description=(
        "Request budget: the client never sends more in any 60 seconds (the tenant's API quota is shared)."))
    look_back_minutes: int = Field(10, ge=0, le=10_080, description=(
        "Each pull re-reads this much before the watermark (a record saved slowly can carry an older "
        "updatedAt); records already extracted are not written again."))
    timeout_seconds: float = Field(30, gt=0, le=600, description="Per request.")
    max_attempts: int = Field(6, ge=1, le=20, description=(
        "Tries per request on timeouts, 429 and 5xx, with exponential back-off and jitter."))
    backoff_initial_seconds: float = Field(1.0, ge=0, le=600, description="First back-off wait.")
    backoff_max_seconds: float = Field(60.0, ge=0, le=3600, description="Longest back-off wait.")
    reconcile_deletes_every_days: int = Field(1, ge=0, le=365, description=(
        "How often a pull also lists the tenant's ids to find deleted records (the API has no "
        "deleted-records query; one id-only request per page of records); 0 = never."))
    objects: dict[str, CrmObject] = Field(default_factory=dict, description=(
        "Per contract entity (crm.accounts, ...): api_key, fields, extract; only what differs from the defaults."))

    @field_validator("objects")
    @classmethod
    def _known_entities(cls, value: dict[str, CrmObject]) -> dict[str, CrmObject]:
        unknown = sorted(set(value) - set(DEFAULT_OBJECT_KEYS))
        if unknown:
            raise ValueError(f"not CRM entities of the contract: {', '.join(unknown)} "
                             f"(allowed: {', '.join(DEFAULT_OBJECT_KEYS)})")
        return value

    def object_key(self, entity: str) -> str:
        """The tenant apiKey of a contract entity."""
        configured = self.objects.get(entity)
        return (configured.api_key if configured and configured.api_key else DEFAULT_OBJECT_KEYS[entity])

    def field_key(self, entity: str, field: str) -> str:
        """The tenant apiKey of a contract field."""
        configured = self.objects.get(entity)
        return configured.fields.get(field, field) if configured else field

    def extracted(self, entity: str) -> bool:
        configured = self.objects.get(entity)
        return configured.extract if configured else True
