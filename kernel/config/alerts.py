"""alerts.yml: which conditions of the published data reach which people, how and when.

Each rule watches one kind of condition (an overdue installment, an SLA escalation, an approval
waiting, a registration's protection ending, a stalled deal, a commission statement to review), names who is told (the record's
owner, their manager or manager chain, the ticket team's lead, a role), over which channels
(the in-app inbox always; e-mail and WeCom / DingTalk / Feishu webhooks when configured) and
when (at once, or in a daily digest; quiet hours hold immediate alerts until they end).

Secrets never live here: a channel names the environment variable holding its URL. The shares
of the SLA target at which a ticket escalates stay in service.yml (``sla_escalations``); the
overdue days here are the alert's own threshold over the published aging.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_ID = re.compile(r"^[a-z0-9_]{1,64}$")

ROLES = ("sales_rep", "sales_manager", "finance", "service_agent", "service_manager",
         "product_manager", "channel_manager", "partner_user", "admin")  # operational.models.users.ROLES
PERSON_TOKENS = ("owner", "manager", "manager_chain", "team_lead", "channel_manager", "approver")
RuleKind = Literal["overdue_installment", "sla_escalation", "approval_waiting",
                   "registration_expiring", "stalled_opportunity", "commission_ready",
                   "requirement_released"]
SlaAction = Literal["notify_team_lead", "raise_priority"]

# parameters of each kind, with their defaults (filled in when a rule leaves them out)
KIND_PARAMETERS: dict[str, dict[str, Any]] = {
    "overdue_installment": {"days_overdue": 0, "repeat_every_days": 7, "min_amount": Decimal(0)},
    "sla_escalation": {"sla_actions": ["notify_team_lead", "raise_priority"]},
    "approval_waiting": {"hours": 24},
    "registration_expiring": {"days_before_end": 7},
    "stalled_opportunity": {"stalled_days": 30, "min_amount": Decimal(0)},
    "commission_ready": {},
    "requirement_released": {},
}
_OPTIONAL = {"overdue_installment": {"max_amount"}, "stalled_opportunity": {"max_amount"}}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def quiet_window(text: str) -> tuple[str, str]:
    """(start, end) of 'HH:MM-HH:MM'; the window may run over midnight (22:00-08:00)."""
    start, _, end = text.strip().partition("-")
    if not (_CLOCK.match(start) and _CLOCK.match(end)) or start == end:
        raise ValueError(f"{text!r} is not a window such as '22:00-08:00' (may run over midnight)")
    return start, end


class AlertChannel(_Strict):
    kind: Literal["email", "wecom", "dingtalk", "feishu", "webhook"] = Field(description=(
        "email: one mail per person to the CRM user's e-mail address; wecom / dingtalk / feishu / "
        "webhook: one message to a group robot naming the people."))
    url_env: str = Field(description=(
        "Environment variable holding the channel's apprise URL (a secret, never written here): "
        "email mailto://user:password@smtp.example.com:465?from=crm@example.com, WeCom "
        "wecombot://KEY, DingTalk dingtalk://TOKEN, Feishu feishu://TOKEN, or json://host/path."))

    @field_validator("url_env")
    @classmethod
    def _env(cls, value: str) -> str:
        if not _ENV.match(value):
            raise ValueError(f"{value!r} is not an environment variable name (A-Z, 0-9, _)")
        return value


class AlertRule(_Strict):
    id: str = Field(description="Short unique id (a-z, 0-9, _), kept in every alert of the rule.")
    kind: RuleKind = Field(description="The condition the rule watches.")
    enabled: bool = Field(True, description="false: the rule is not evaluated and its open alerts stay as they are.")
    recipients: list[str] = Field(default_factory=lambda: ["owner"], description=(
        "Who is told: owner, manager (the owner's manager), manager_chain (managers upwards, "
        "chain_levels of them), team_lead (the ticket team's lead), channel_manager (the partner's), "
        "approver (logins of the approval's role), role:<role> (every active login of the role)."))
    fallback_recipients: list[str] = Field(default_factory=list, description=(
        "Told instead when none of the recipients can be found (e.g. role:service_manager)."))
    chain_levels: int = Field(3, ge=1, le=20, description="How many managers upwards manager_chain reaches.")
    channels: list[str] = Field(default_factory=list, description=(
        "Channel names from `channels` besides the in-app inbox (which always gets the alert)."))
    delivery: Literal["immediate", "digest"] = Field("immediate", description=(
        "immediate: sent on the evaluation that finds it; digest: gathered per person and channel, sent at digest_at."))
    quiet_hours: str | None = Field(None, description=(
        "HH:MM-HH:MM local time (may run over midnight): immediate alerts found then wait and go "
        "out as one digest when the window ends."))
    days_overdue: int | None = Field(None, ge=0, le=36_500, description="overdue_installment: alert when more than this many days past due (default 0).")
    repeat_every_days: int | None = Field(None, ge=1, le=36_500, description="overdue_installment: a reminder each time the installment is this many days further overdue, until paid (default 7).")
    min_amount: Decimal | None = Field(None, ge=0, le=Decimal("1e13"), decimal_places=2, description="overdue_installment (open amount) / stalled_opportunity (amount): from this amount in CNY (default 0).")
    max_amount: Decimal | None = Field(None, ge=0, le=Decimal("1e13"), decimal_places=2, description="overdue_installment / stalled_opportunity: below this amount in CNY (default: no upper bound).")
    sla_actions: list[SlaAction] | None = Field(None, description="sla_escalation: which escalation steps of service.yml alert (default both); raise_priority also raises a store ticket's priority.")
    hours: int | None = Field(None, ge=1, le=87_600, description="approval_waiting: alert when a quote approval, special price or deal registration has waited longer than this many hours (default 24).")
    days_before_end: int | None = Field(None, ge=0, le=365, description="registration_expiring: alert when an approved registration's protection ends within this many days (default 7).")
    stalled_days: int | None = Field(None, ge=1, le=36_500, description="stalled_opportunity: alert when an open deal had no stage change and no activity for this many days (default 30).")

    @model_validator(mode="before")
    @classmethod
    def _kind_parameters(cls, data: Any) -> Any:
        """Fill in the kind's defaults; a parameter of another kind is an error naming it."""
        if not isinstance(data, dict) or data.get("kind") not in KIND_PARAMETERS:
            return data
        kind = data["kind"]
        allowed = set(KIND_PARAMETERS[kind]) | _OPTIONAL.get(kind, set())
        every = {p for params in KIND_PARAMETERS.values() for p in params} | {"max_amount"}
        wrong = sorted(p for p in every - allowed if data.get(p) is not None)
        if wrong:
            raise ValueError(f"{', '.join(wrong)} is not a setting of kind {kind} (its settings: {', '.join(sorted(allowed))})")
        return {**KIND_PARAMETERS[kind], **{k: v for k, v in data.items() if v is not None}}

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"{value!r}: use a-z, 0-9 and _ (at most 64)")
        return value

    @field_validator("recipients", "fallback_recipients")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        for token in value:
            role = token.removeprefix("role:")
            if token not in PERSON_TOKENS and not (token.startswith("role:") and role in ROLES):
                raise ValueError(f"{token!r} is not a recipient; allowed: {', '.join(PERSON_TOKENS)}, role:<{'|'.join(ROLES)}>")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None:
            quiet_window(value)
        return value

    @model_validator(mode="after")
    def _bands(self) -> AlertRule:
        if self.max_amount is not None and self.min_amount is not None and self.max_amount <= self.min_amount:
            raise ValueError(f"max_amount {self.max_amount} must be above min_amount {self.min_amount}")
        if not self.recipients and not self.fallback_recipients:
            raise ValueError("name at least one recipient")
        return self


DEFAULT_RULES = [
    AlertRule(id="overdue_installment", kind="overdue_installment", recipients=["owner"], fallback_recipients=["manager"]),
    AlertRule(id="overdue_installment_large", kind="overdue_installment", recipients=["manager_chain"],
              chain_levels=2, days_overdue=30, min_amount=Decimal(100_000)),
    AlertRule(id="sla_escalation", kind="sla_escalation", recipients=["team_lead"],
              fallback_recipients=["role:service_manager"]),
    AlertRule(id="approval_waiting", kind="approval_waiting", recipients=["approver"]),
    AlertRule(id="registration_expiring", kind="registration_expiring", recipients=["channel_manager"]),
    AlertRule(id="stalled_opportunity", kind="stalled_opportunity", recipients=["owner", "manager"]),
    AlertRule(id="commission_ready", kind="commission_ready", recipients=["role:finance"], delivery="digest"),
    AlertRule(id="requirement_released", kind="requirement_released", recipients=["owner"],
              fallback_recipients=["role:service_manager"]),
]


class Alerts(_Strict):
    """Alerts pushed to people: rules over the published data and the store, channels, digests."""

    channels: dict[str, AlertChannel] = Field(default_factory=dict, description=(
        "Named delivery channels, e.g. mail: {kind: email, url_env: CRMLAKE_ALERTS_SMTP_URL}. "
        "None: alerts reach the in-app inbox only."))
    rules: list[AlertRule] = Field(default_factory=lambda: list(DEFAULT_RULES), description=(
        "The alert rules; several rules of one kind make bands (e.g. large amounts also to the manager chain)."))
    digest_at: str = Field("08:30", description="HH:MM local time at which digests are sent.")
    max_attempts: int = Field(5, ge=1, le=100, description="Sending attempts per message before it is given up (each failure is kept).")
    retry_minutes: int = Field(5, ge=1, le=1440, description="Wait before the first retry; doubles after each failure.")
    app_url: str = Field("http://localhost:8501", description="Address of the apps, for the link to the record in each message.")

    @field_validator("digest_at")
    @classmethod
    def _digest(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"{value!r} is not a time such as '08:30'")
        return value

    @model_validator(mode="after")
    def _references(self) -> Alerts:
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError(f"rule ids must be unique, got {ids}")
        for rule in self.rules:
            unknown = [c for c in rule.channels if c not in self.channels]
            if unknown:
                raise ValueError(f"rule {rule.id}: channel {', '.join(unknown)} is not defined under channels "
                                 f"(defined: {', '.join(self.channels) or 'none'})")
        return self
