"""The business settings a company changes without touching code, as validated pydantic models.

One YAML file per topic in the settings folder (``CRMLAKE_CONFIG_DIR``); every field has a
neutral default, so a missing file or key means "the product default". These models are the
only definition of what is allowed: the loader turns their validation errors into messages
naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


Interval = Annotated[str, Field(description="HH:MM-HH:MM, local wall-clock time")]
IsoWeekday = Annotated[int, Field(ge=1, le=7, description="1 = Monday ... 7 = Sunday")]


# ---------------------------------------------------------------- company.yml

class Company(_Strict):
    name: str = "我的公司 My company"
    demo: bool = False  # written only by `crmlake demo`: demo logins follow demo data


# ---------------------------------------------------------------- calendar.yml

class CalendarOverride(_Strict):
    date: dt.date
    type: Literal["holiday", "workday"]
    name: str = ""
    hours: list[Interval] | None = None  # a workday's intervals; default: makeup_workday_hours

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
    china_public_holidays: bool = True  # 国务院 holidays and 调休 make-up days (chinese-calendar)
    working_hours: dict[IsoWeekday, list[Interval]] = Field(
        default_factory=lambda: {d: ["09:00-18:00"] for d in range(1, 6)}
    )
    makeup_workday_hours: list[Interval] = Field(default_factory=lambda: ["09:00-18:00"])
    overrides: list[CalendarOverride] = Field(default_factory=list)

    @field_validator("working_hours")
    @classmethod
    def _weekly(cls, value: dict[int, list[str]]) -> dict[int, list[str]]:
        return {day: [_check_interval(v) for v in spans] for day, spans in sorted(value.items())}

    @field_validator("makeup_workday_hours")
    @classmethod
    def _makeup(cls, value: list[str]) -> list[str]:
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


# ---------------------------------------------------------------- service.yml

SlaMetric = Literal["first_response", "next_response", "resolution"]


class SlaPolicy(_Strict):
    id: str
    name: str
    customer_tier: str = "*"  # "*" matches every value
    channel: str = "*"
    priority: str = "*"
    first_response_minutes: int = Field(gt=0)
    next_response_minutes: int = Field(gt=0)
    resolution_minutes: int = Field(gt=0)


class SlaEscalation(_Strict):
    policy_id: str = "*"
    metric: SlaMetric | Literal["*"] = "*"
    at_share: float = Field(gt=0, le=10)  # of the target: 0.75 = at 75 % of the target time
    action: Literal["notify_team_lead", "raise_priority"]


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


class DemandWeights(_Strict):
    tickets: float = Field(1.0, ge=0)
    customers: float = Field(2.0, ge=0)
    revenue_per_10k: float = Field(0.1, ge=0)
    tier: dict[str, float] = Field(
        default_factory=lambda: {"A": 5.0, "B": 3.0, "C": 1.5, "D": 1.0, "unknown": 0.5}
    )


class Service(_Strict):
    sla_policies: list[SlaPolicy] = Field(default_factory=lambda: list(DEFAULT_SLA_POLICIES))
    sla_pause_statuses: dict[SlaMetric, list[str]] = Field(
        default_factory=lambda: {"resolution": ["waiting_on_customer"]}
    )
    sla_escalations: list[SlaEscalation] = Field(
        default_factory=lambda: [
            SlaEscalation(at_share=0.75, action="notify_team_lead"),
            SlaEscalation(at_share=1.0, action="raise_priority"),
        ]
    )
    field_overtime_hours: float = Field(24, gt=0)
    demand_weights: DemandWeights = Field(default_factory=DemandWeights)

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
    name: str
    min_days: int | None = None  # days past due, inclusive; empty: open below
    max_days: int | None = None  # inclusive; empty: open above


class PositionPlan(_Strict):
    position: str
    plan_code: str
    plan_version: int | None = None  # empty: whichever version is effective
    effective_from: dt.date = dt.date(2000, 1, 1)
    effective_to: dt.date | None = None


class Commission(_Strict):
    lock_through: dt.date | None = None  # periods ending on or before are closed and frozen
    position_plans: list[PositionPlan] = Field(default_factory=list)


class PaymentRating(_Strict):
    a_max_days_late: int = Field(5, ge=0)
    b_max_days_late: int = Field(15, ge=0)
    c_max_days_late: int = Field(45, ge=0)

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
    aging_buckets: list[AgingBucket] = Field(default_factory=lambda: list(DEFAULT_AGING_BUCKETS))
    overdue_warning_days: int = Field(0, ge=0)  # warn when more days past due than this
    payment_rating: PaymentRating = Field(default_factory=PaymentRating)
    commission: Commission = Field(default_factory=Commission)

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
    name: str  # the stage exactly as the CRM writes it
    order: int
    probability: Decimal = Field(ge=0, le=1)
    forecast_category: Literal["pipeline", "best_case", "commit", "closed", "omitted"]
    is_closed: bool = False
    is_won: bool = False


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
    stages: list[Stage] = Field(default_factory=lambda: list(DEFAULT_STAGES))
    quote_discount_threshold_pct: Decimal = Field(Decimal(15), ge=0, le=100)
    lead_pool_days: int = Field(30, ge=1)
    daily_snapshot_days: int = Field(92, ge=1)

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

class Partner(_Strict):
    registration_protection_days: int = Field(90, ge=1, le=365)


# ---------------------------------------------------------------- all of it

class BusinessSettings(_Strict):
    """Everything in the settings folder; each attribute is one file (``<name>.yml``)."""

    company: Company = Field(default_factory=Company)
    calendar: Calendar = Field(default_factory=Calendar)
    service: Service = Field(default_factory=Service)
    finance: Finance = Field(default_factory=Finance)
    sales: Sales = Field(default_factory=Sales)
    partner: Partner = Field(default_factory=Partner)

    @property
    def commission(self) -> Commission:
        return self.finance.commission


FILES: dict[str, type[_Strict]] = {
    name: field.annotation  # type: ignore[misc]
    for name, field in BusinessSettings.model_fields.items()
}
