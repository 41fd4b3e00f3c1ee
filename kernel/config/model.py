"""The business settings a company changes without touching code, as validated pydantic models.

One YAML file per topic in the settings folder (``CRMLAKE_CONFIG_DIR``); every field has a
neutral default, so a missing file or key means "the product default". These models are the
only definition of what is allowed: the loader turns their validation errors into messages
naming the file and the key, and ``kernel.config.render`` writes each field's description
as the comment above its key in the files ``crmlake init`` writes.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from kernel.config.alerts import ROLES, Alerts
from kernel.config.bands import DEFAULT_AMOUNT_BANDS, DEFAULT_DISCOUNT_BANDS, Band, check_bands
from kernel.config.crm_api import CrmApi
from kernel.config.dispatch import Dispatch

_INTERVAL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class _Strict(BaseModel):
    """Unknown keys are errors (a typo must not silently fall back to a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_interval(text: str) -> str:
    match = _INTERVAL.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a working interval such as '09:00-18:00'")
    start, end = text.strip().split("-")
    if end <= start:
        raise ValueError(f"{text!r} ends before it starts")
    return text.strip()


# Upper bounds keep every number inside the column types of the settings tables (INTEGER,
# DECIMAL(18,4)): a slip of the keyboard is an error naming the key, not a failed run later.
MAX_DAYS = 36_500  # a century of days
MAX_MINUTES = 525_600  # a year of minutes

Interval = Annotated[str, Field(description="HH:MM-HH:MM, local wall-clock time")]
IsoWeekday = Annotated[int, Field(ge=1, le=7, description="1 = Monday ... 7 = Sunday")]


# ---------------------------------------------------------------- company.yml

class Company(_Strict):
    """Who the settings belong to."""

    name: str = Field("我的公司 My company", description="The company's name, shown in the apps and the published `settings.parameters`.")
    demo: bool = Field(False, description=(
        "true only in the settings `crmlake demo` writes: demo logins follow demo data, and "
        "`crmlake demo` overwrites only a demo settings folder. Leave false for your own data."))


# ---------------------------------------------------------------- calendar.yml

class CalendarOverride(_Strict):
    date: dt.date = Field(description="The day, YYYY-MM-DD.")
    type: Literal["holiday", "workday"] = Field(description=(
        "holiday: no working time that day; workday: a working day (a company make-up day, "
        "or working through a public holiday)."))
    name: str = Field("", description="What the day is, e.g. 公司年会 (shown in the calendar table).")
    hours: list[Interval] | None = Field(None, description=(
        "A workday's working intervals, e.g. ['09:00-12:00', '13:00-18:00']; empty: makeup_workday_hours."))

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [_check_interval(v) for v in value]

    @model_validator(mode="after")
    def _holiday_has_no_hours(self) -> CalendarOverride:
        if self.type == "holiday" and self.hours:
            raise ValueError(f"{self.date}: a holiday has no working hours (remove 'hours')")
        return self


class Calendar(_Strict):
    """The company's working calendar: weekly working hours, China's public holidays and
    make-up working days (调休), and the company's own days. SLA business time is measured on it."""

    china_public_holidays: bool = Field(True, description=(
        "true: mainland China's public holidays and make-up working days (国务院 notice, from the "
        "chinese-calendar package, every year it knows) are part of the calendar; false: only "
        "the weekly hours and your overrides."))
    working_hours: dict[IsoWeekday, list[Interval]] = Field(
        default_factory=lambda: {d: ["09:00-18:00"] for d in range(1, 6)},
        description=(
            "Working intervals per ISO weekday (1 = Monday ... 7 = Sunday), local time HH:MM-HH:MM; "
            "several intervals make a split shift (lunch break); a weekday left out is not worked."),
    )
    makeup_workday_hours: list[Interval] = Field(
        default_factory=lambda: ["09:00-18:00"],
        description="Working intervals of a make-up working day (调休) and of a workday override without its own hours.",
    )
    overrides: list[CalendarOverride] = Field(
        default_factory=list,
        description=(
            "The company's own days; they win over the weekly hours and the public holidays. "
            "Also where a year's holidays go before chinese-calendar knows them (see holidays_known_through)."),
        json_schema_extra={"example": [
            {"date": "2027-01-29", "type": "holiday", "name": "公司年会 annual meeting"},
            {"date": "2027-02-06", "type": "workday", "name": "调休", "hours": ["09:00-17:00"]},
        ]},
    )
    holidays_known_through: int | None = Field(None, ge=2000, le=2100, description=(
        "The last year whose public holidays you entered yourself as overrides, when it is later "
        "than chinese-calendar knows (e.g. the State Council published next year's notice and the "
        "package has no release yet). Each such year needs at least one holiday override. "
        "Empty: the package's last year. `crmlake status` warns when data runs past this year."))

    @field_validator("working_hours")
    @classmethod
    def _weekly(cls, value: dict[int, list[str]]) -> dict[int, list[str]]:
        return {day: [_check_interval(v) for v in spans] for day, spans in sorted(value.items())}

    @field_validator("makeup_workday_hours")
    @classmethod
    def _makeup(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one interval such as '09:00-18:00'")
        return [_check_interval(v) for v in value]

    @field_validator("overrides")
    @classmethod
    def _unique_dates(cls, value: list[CalendarOverride]) -> list[CalendarOverride]:
        seen: set[dt.date] = set()
        for item in value:
            if item.date in seen:
                raise ValueError(f"{item.date} is overridden twice")
            seen.add(item.date)
        return value

    @field_validator("holidays_known_through")
    @classmethod
    def _entered_years_have_holidays(cls, value: int | None, info: ValidationInfo) -> int | None:
        """A year declared known must hold the holidays someone entered (not just a promise)."""
        if value is None or "overrides" not in info.data:
            return value
        from kernel.config import china

        china_days = info.data.get("china_public_holidays", True)
        first = china.last_year() + 1 if china_days else value
        entered = {o.date.year for o in info.data["overrides"] if o.type == "holiday"}
        missing = [y for y in range(first, value + 1) if y not in entered]
        if missing:
            raise ValueError(
                f"overrides has no holiday in {', '.join(map(str, missing))}: enter that year's "
                f"public holidays and make-up days (国务院 notice) as overrides first"
                + (f" (chinese-calendar knows up to {china.last_year()})" if china_days else "")
            )
        return value


# ---------------------------------------------------------------- service.yml

SlaMetric = Literal["first_response", "next_response", "resolution"]


class SlaPolicy(_Strict):
    id: str = Field(description="Short unique id, e.g. vip_p1 (published in service.ticket_sla.policy_id).")
    name: str = Field(description="Display name.")
    customer_tier: str = Field("*", description="CRM account level (A, B, C, D, unknown) this policy applies to; * = any.")
    channel: str = Field("*", description="Ticket channel (phone, wechat, email, web ...); * = any.")
    priority: str = Field("*", description="Ticket priority (P1 ... P4); * = any.")
    first_response_minutes: int = Field(gt=0, le=MAX_MINUTES, description="Target for the first agent reply, business minutes.")
    next_response_minutes: int = Field(gt=0, le=MAX_MINUTES, description="Target for the agent reply after each customer reply, business minutes.")
    resolution_minutes: int = Field(gt=0, le=MAX_MINUTES, description="Target for resolution, business minutes.")


class SlaEscalation(_Strict):
    policy_id: str = Field("*", description="Policy id, or * for every policy.")
    metric: SlaMetric | Literal["*"] = Field("*", description="Which clock, or * for all three.")
    at_share: float = Field(gt=0, le=10, description="When: a share of the target, 0.75 = at 75 % of the target time.")
    action: Literal["notify_team_lead", "raise_priority"] = Field(description="What happens (recorded once per ticket and clock).")


DEFAULT_SLA_POLICIES = [
    SlaPolicy(id="standard", name="标准 Standard", first_response_minutes=240,
              next_response_minutes=480, resolution_minutes=960),
    SlaPolicy(id="p1_urgent", name="紧急 P1", priority="P1", first_response_minutes=30,
              next_response_minutes=60, resolution_minutes=240),
    SlaPolicy(id="p2_high", name="高 P2", priority="P2", first_response_minutes=120,
              next_response_minutes=240, resolution_minutes=480),
    SlaPolicy(id="p4_low", name="低 P4", priority="P4", first_response_minutes=480,
              next_response_minutes=960, resolution_minutes=2400),
    SlaPolicy(id="vip", name="大客户 Tier A", customer_tier="A", first_response_minutes=120,
              next_response_minutes=240, resolution_minutes=720),
    SlaPolicy(id="vip_p1", name="大客户紧急 Tier A P1", customer_tier="A", priority="P1",
              first_response_minutes=15, next_response_minutes=30, resolution_minutes=180),
]

Weight = Annotated[Decimal, Field(ge=0, le=1_000_000, decimal_places=4)]


class DemandWeights(_Strict):
    tickets: Weight = Field(Decimal("1.0"), description="Points per ticket linked to the requirement.")
    customers: Weight = Field(Decimal("2.0"), description="Points per distinct customer behind those tickets.")
    revenue_per_10k: Weight = Field(Decimal("0.1"), description=(
        "Points per CNY 10,000 of those customers' order value in the 12 months before the as-of."))
    tier: dict[str, Weight] = Field(
        default_factory=lambda: {"A": Decimal("5.0"), "B": Decimal("3.0"), "C": Decimal("1.5"),
                                 "D": Decimal("1.0"), "unknown": Decimal("0.5")},
        description="Points per distinct customer by CRM account level; a level not listed counts 0.",
    )


class Service(_Strict):
    """Service levels: SLA policies and what pauses or escalates their clocks, field-service
    overtime, and how requirement demand is scored."""

    sla_policies: list[SlaPolicy] = Field(
        default_factory=lambda: list(DEFAULT_SLA_POLICIES),
        description=(
            "SLA targets. A ticket gets the most specific matching policy (a customer_tier match "
            "weighs most, then channel, then priority; ties: the lower id); one policy must "
            "match every ticket (all three *)."),
    )
    sla_pause_statuses: dict[SlaMetric, list[str]] = Field(
        default_factory=lambda: {"resolution": ["waiting_on_customer"]},
        description="Ticket statuses that stop a clock while the ticket is in them, per clock (first_response, next_response, resolution).",
    )
    sla_escalations: list[SlaEscalation] = Field(
        default_factory=lambda: [
            SlaEscalation(at_share=0.75, action="notify_team_lead"),
            SlaEscalation(at_share=1.0, action="raise_priority"),
        ],
        description="Escalation steps at a share of an SLA target (service.ticket_sla_escalations).",
    )
    field_overtime_hours: float = Field(24, gt=0, le=8760, description=(
        "A field-service work order is overtime when creation to completion (or to the as-of, "
        "while open) takes longer than this many clock hours."))
    demand_weights: DemandWeights = Field(default_factory=DemandWeights, description=(
        "Weights of the requirement demand score (service.requirement_demand)."))
    knowledge_min_confidence: float = Field(0.4, ge=0, le=1, description=(
        "Knowledge-base answer matching: below this confidence (share of the question's weighted "
        "words the best article contains) the question is handed off to a person; the articles are "
        "still shown to the agent (docs/knowledge_backtest.md shows what each value trades)."))
    dispatch: Dispatch = Field(default_factory=Dispatch, description=(
        "Field work orders' dispatch pool: grab or assign per service group, the grab timeout."))

    @field_validator("sla_policies")
    @classmethod
    def _policies(cls, value: list[SlaPolicy]) -> list[SlaPolicy]:
        ids = [p.id for p in value]
        if len(set(ids)) != len(ids):
            raise ValueError(f"policy ids must be unique, got {ids}")
        if not any(p.customer_tier == p.channel == p.priority == "*" for p in value):
            raise ValueError("one policy must match every ticket (customer_tier, channel and priority all '*')")
        return value


# ---------------------------------------------------------------- finance.yml

class AgingBucket(_Strict):
    name: str = Field(description="Bucket label shown in the aging report, e.g. 31-60.")
    min_days: int | None = Field(None, ge=-MAX_DAYS, le=MAX_DAYS, description="Days past due, inclusive; empty: open below (the first bucket).")
    max_days: int | None = Field(None, ge=-MAX_DAYS, le=MAX_DAYS, description="Days past due, inclusive; empty: open above (the last bucket).")


class PositionPlan(_Strict):
    position: str = Field(description="CRM position (users.position), e.g. sales_rep.")
    plan_code: str = Field(description="A CRM commission plan code (commission_plans.planCode).")
    plan_version: int | None = Field(None, ge=1, le=1_000_000, description="Plan version; empty: the highest version the CRM has.")
    effective_from: dt.date = Field(dt.date(2000, 1, 1), description="First day the rule applies (a person's hire date if later).")
    effective_to: dt.date | None = Field(None, description="Last day it applies, inclusive; empty: open-ended.")
    credit_scope: Literal["own", "team"] = Field("own", description=(
        "own: the plan pays on the person's own credit. team (a manager's roll-up): it pays on the "
        "credit of everyone in the person's department and the departments below it, each member "
        "counted in the department they were in on the order's date (the order's department for its "
        "owner); the person's own orders count once, inside the team."))


class ExpenseBudget(_Strict):
    department: str = Field(description="A CRM department, by name or code (departments.departmentName / departmentCode).")
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="The budget's month, YYYY-MM.")
    amount: float = Field(ge=0, le=1e12, description="Sales expense budget of the department for the month, CNY.")


class Commission(_Strict):
    lock_through: dt.date | None = Field(None, description=(
        "Commission periods ending on or before this date are closed: their statements are "
        "frozen and later changes go into the next open period. Empty: nothing is locked."))
    position_plans: list[PositionPlan] = Field(
        default_factory=list,
        description=(
            "Commission plan by CRM position, for people without their own CRM commission "
            "assignment on a date (their own assignment always wins). A rule naming a plan the "
            "CRM does not have is listed in finance.commission_review."),
        json_schema_extra={"example": [
            {"position": "sales_rep", "plan_code": "FLAT-STD", "plan_version": 1, "effective_from": "2024-01-01"},
        ]},
    )


class PaymentRating(_Strict):
    a_max_days_late: int = Field(5, ge=0, le=MAX_DAYS, description="Rating A: average days late at most this, and at most 20 % of installments paid late.")
    b_max_days_late: int = Field(15, ge=0, le=MAX_DAYS, description="Rating B: average days late at most this.")
    c_max_days_late: int = Field(45, ge=0, le=MAX_DAYS, description="Rating C: average days late at most this; above: D.")

    @model_validator(mode="after")
    def _ordered(self) -> PaymentRating:
        if not self.a_max_days_late <= self.b_max_days_late <= self.c_max_days_late:
            raise ValueError("a_max_days_late <= b_max_days_late <= c_max_days_late")
        return self


DEFAULT_AGING_BUCKETS = [
    AgingBucket(name="current", max_days=0),
    AgingBucket(name="1-30", min_days=1, max_days=30),
    AgingBucket(name="31-60", min_days=31, max_days=60),
    AgingBucket(name="61-90", min_days=61, max_days=90),
    AgingBucket(name="91-180", min_days=91, max_days=180),
    AgingBucket(name="181+", min_days=181),
]


class Finance(_Strict):
    """Receivables and commission: aging buckets, overdue warnings, payment ratings, locked
    commission periods and commission plans by position."""

    aging_buckets: list[AgingBucket] = Field(
        default_factory=lambda: list(DEFAULT_AGING_BUCKETS),
        description=(
            "AR aging buckets by days past due (as-of date minus due date), in order: the first "
            "without min_days, the last without max_days, each starting the day after the previous ends."),
    )
    overdue_warning_days: int = Field(0, ge=0, le=MAX_DAYS, description=(
        "An overdue warning goes to the owner when an installment is more than this many days past due."))
    payment_rating: PaymentRating = Field(default_factory=PaymentRating, description=(
        "Customer credit rating from payment history (finance.customer_payment_behavior)."))
    commission: Commission = Field(default_factory=Commission, description="Commission statements.")
    expense_budgets: list[ExpenseBudget] = Field(
        default_factory=list,
        description=(
            "Sales expense budget per CRM department and month, against the counted expenses (approved "
            "or paid) of the department's reps (sales.expense_budget_vs_actual). Empty: no budget view."),
        json_schema_extra={"example": [{"department": "华东销售一组", "month": "2026-07", "amount": 50000}]},
    )

    @field_validator("aging_buckets")
    @classmethod
    def _buckets(cls, value: list[AgingBucket]) -> list[AgingBucket]:
        """Buckets cover every day count exactly once, in order: no gap, no overlap."""
        if not value:
            raise ValueError("at least one bucket")
        if value[0].min_days is not None:
            raise ValueError(f"the first bucket ({value[0].name}) must have no min_days (it takes everything below)")
        if value[-1].max_days is not None:
            raise ValueError(f"the last bucket ({value[-1].name}) must have no max_days (it takes everything above)")
        for prev, cur in zip(value, value[1:], strict=False):
            if prev.max_days is None or cur.min_days is None or cur.min_days != prev.max_days + 1:
                raise ValueError(
                    f"bucket {cur.name!r} must start the day after {prev.name!r} ends "
                    f"(min_days {cur.min_days} after max_days {prev.max_days})"
                )
            if cur.max_days is not None and cur.max_days < cur.min_days:
                raise ValueError(f"bucket {cur.name!r}: max_days {cur.max_days} < min_days {cur.min_days}")
        names = [b.name for b in value]
        if len(set(names)) != len(names):
            raise ValueError(f"bucket names must be unique, got {names}")
        return value


# ---------------------------------------------------------------- sales.yml

class Stage(_Strict):
    name: str = Field(description="The stage exactly as the CRM writes it (销售阶段).")
    order: int = Field(ge=-1000, le=1000, description="Position in the sales process (funnel order); lost stages usually 0.")
    probability: Decimal = Field(ge=0, le=1, decimal_places=4, description=(
        "Default win probability as a FRACTION 0-1 (0.25 = 25 %), used where the CRM has none "
        "and for past snapshots."))
    forecast_category: Literal["pipeline", "best_case", "commit", "closed", "omitted"] = Field(
        description="The forecast category a deal in this stage counts toward.")
    is_closed: bool = Field(False, description="The deal is over (won or lost).")
    is_won: bool = Field(False, description="The deal is won (also is_closed).")


DEFAULT_STAGES = [
    Stage(name="初步接洽", order=1, probability=Decimal("0.10"), forecast_category="pipeline"),
    Stage(name="需求确认", order=2, probability=Decimal("0.25"), forecast_category="pipeline"),
    Stage(name="方案报价", order=3, probability=Decimal("0.50"), forecast_category="best_case"),
    Stage(name="商务谈判", order=4, probability=Decimal("0.75"), forecast_category="commit"),
    Stage(name="赢单", order=5, probability=Decimal("1.00"), forecast_category="closed",
          is_closed=True, is_won=True),
    Stage(name="输单", order=0, probability=Decimal("0.00"), forecast_category="omitted", is_closed=True),
]


class Sales(_Strict):
    """The sales process: stages and their probabilities, quote approval, the lead pool and
    pipeline snapshots."""

    stages: list[Stage] = Field(default_factory=lambda: list(DEFAULT_STAGES), description=(
        "The sales stages: one won stage and at least one lost stage. The entry screens know "
        "the six default stage names; renaming stages there needs a code change."))
    quote_discount_threshold_pct: Decimal = Field(Decimal(15), ge=0, le=100, decimal_places=2, description=(
        "A quote line discounted more than this many percent waits for a sales manager's approval (entry screens)."))
    lead_pool_days: int = Field(30, ge=1, le=MAX_DAYS, description=(
        "Days without follow-up after which a lead returns to the lead pool (公海) (entry screens)."))
    daily_snapshot_days: int = Field(92, ge=1, le=MAX_DAYS, description=(
        "sales.pipeline_snapshots is daily for this many days back from the data's end, weekly and month-end before."))
    stalled_deal_days: int = Field(30, ge=1, le=MAX_DAYS, description=(
        "An open deal with no stage change and no activity for at least this many days is stalled "
        "(sales.opportunity_idle_days, the activities page)."))
    inactive_account_days: int = Field(60, ge=1, le=MAX_DAYS, description=(
        "An account with no activity (visit, call ...) for at least this many days is untouched "
        "(sales.account_activity, the activities page)."))
    amount_bands: list[Band] = Field(default_factory=lambda: list(DEFAULT_AMOUNT_BANDS), description=(
        "Deal amount bands in CNY, [min, max): stalled deals are counted per band."))
    discount_bands: list[Band] = Field(default_factory=lambda: list(DEFAULT_DISCOUNT_BANDS), description=(
        "Discount depth bands in percent off list price, [min, max): win rate and cycle time per band."))

    @field_validator("amount_bands", "discount_bands")
    @classmethod
    def _bands(cls, value: list[Band]) -> list[Band]:
        return check_bands(value)

    @field_validator("stages")
    @classmethod
    def _stages(cls, value: list[Stage]) -> list[Stage]:
        names = [s.name for s in value]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique, got {names}")
        if not any(s.is_won for s in value) or not any(s.is_closed and not s.is_won for s in value):
            raise ValueError("one stage must be won (is_closed and is_won) and one lost (is_closed, not is_won)")
        for s in value:
            if s.is_won and not s.is_closed:
                raise ValueError(f"stage {s.name!r}: a won stage is closed too (is_closed: true)")
        return value


# ---------------------------------------------------------------- partner.yml

class ApprovalStep(_Strict):
    """One step of the special price approval chain: who may approve at it."""

    key: str = Field(min_length=1, description="The step's name in the audit trail, e.g. channel_manager.")
    label: str = Field(min_length=1, description="The step as people read it, e.g. 渠道经理 Channel manager.")
    roles: list[str] = Field(min_length=1, description="Login roles that may approve at this step.")
    users: list[str] = Field(default_factory=list, description=(
        "When not empty, only these usernames may approve at this step (e.g. the regional channel managers)."))


def _default_chain() -> list[ApprovalStep]:
    return [
        ApprovalStep(key="partner_sales_manager", label="伙伴销售经理 Partner sales manager", roles=["partner_user", "admin"]),
        ApprovalStep(key="channel_manager", label="渠道经理 Channel manager", roles=["channel_manager", "admin"]),
        ApprovalStep(key="regional_channel_manager", label="区域渠道经理 Regional channel manager",
                     roles=["channel_manager", "admin"]),
    ]


class Partner(_Strict):
    """Channel partners: deal registration (报备) protection, the special price approval chain."""

    registration_protection_days: int = Field(90, ge=1, le=365, description=(
        "Days an approved deal registration protects the deal from other partners' registrations, "
        "when the registration does not carry its own protection days."))
    special_price_approval_chain: list[ApprovalStep] = Field(default_factory=_default_chain, min_length=1, description=(
        "The steps a special price request passes, in order; it is approved after the last one. "
        "One person approves at most one step of a request, and never their own request. The default's first "
        "step is the partner's own sales manager (a partner login of that partner; name them in `users`)."))

    @field_validator("special_price_approval_chain")
    @classmethod
    def _chain(cls, value: list[ApprovalStep]) -> list[ApprovalStep]:
        keys = [s.key for s in value]
        if len(set(keys)) != len(keys):
            raise ValueError(f"step keys must be unique, got {keys}")
        for step in value:
            unknown = sorted(set(step.roles) - set(ROLES))
            if unknown:
                raise ValueError(f"step {step.key!r}: unknown roles {unknown}; known: {', '.join(ROLES)}")
        return value


# ---------------------------------------------------------------- all of it

class BusinessSettings(_Strict):
    """Everything in the settings folder; each attribute is one file (``<name>.yml``)."""

    company: Company = Field(default_factory=Company)
    calendar: Calendar = Field(default_factory=Calendar)
    service: Service = Field(default_factory=Service)
    finance: Finance = Field(default_factory=Finance)
    sales: Sales = Field(default_factory=Sales)
    partner: Partner = Field(default_factory=Partner)
    crm_api: CrmApi = Field(default_factory=CrmApi)
    alerts: Alerts = Field(default_factory=Alerts)

    @property
    def commission(self) -> Commission:
        return self.finance.commission


FILES: dict[str, type[_Strict]] = {
    name: field.annotation  # type: ignore[misc]
    for name, field in BusinessSettings.model_fields.items()
}
