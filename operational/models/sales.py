"""Sales tables of the store: leads, accounts, contacts, opportunities and their stage history.

Column names equal the matching staging model's (``stg_crm__leads`` …) so the lakehouse can
union the store's rows with the extracts' without renaming; ``id`` becomes ``<entity>_id`` on
extraction.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, RecordMixin

LEAD_STATUSES = ("new", "contacted", "qualified", "converted", "disqualified")
OPPORTUNITY_STATUSES = ("open", "won", "lost")
ACCOUNT_LEVELS = ("A", "B", "C", "D")

_MOBILE = re.compile(r"^1\d{10}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _contact_channels(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    mobile = values.get("mobile")
    if mobile and not _MOBILE.match(str(mobile)):
        errors["mobile"] = "手机号应为 11 位数字、以 1 开头 Mobile must be 11 digits starting with 1"
    email = values.get("email")
    if email and not _EMAIL.match(str(email)):
        errors["email"] = "邮箱格式不正确 Not a valid e-mail address"
    return errors


class Lead(RecordMixin, Base):
    __tablename__ = "leads"
    __table_args__ = (sa.Index("ix_leads_owner", "owner_id"), sa.Index("ix_leads_pool", "is_in_pool"))

    owner_id: Mapped[int | None]
    previous_owner_id: Mapped[int | None]
    campaign_id: Mapped[int | None]
    partner_id: Mapped[int | None]
    converted_account_id: Mapped[int | None]
    converted_opportunity_id: Mapped[int | None]
    lead_name: Mapped[str]
    company_name: Mapped[str | None]
    mobile: Mapped[str | None]
    email: Mapped[str | None]
    lead_source: Mapped[str | None]
    status: Mapped[str] = mapped_column(default="new", server_default="new")
    province: Mapped[str | None]
    city: Mapped[str | None]
    industry: Mapped[str | None]
    is_in_pool: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    pool_entered_at: Mapped[dt.datetime | None]
    pool_return_reason: Mapped[str | None]
    last_follow_up_at: Mapped[dt.datetime | None]
    assigned_at: Mapped[dt.datetime | None]
    converted_at: Mapped[dt.datetime | None]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors = _contact_channels(values)
        if values.get("status") not in LEAD_STATUSES:
            errors["status"] = f"状态须为 {'/'.join(LEAD_STATUSES)} Status must be one of {', '.join(LEAD_STATUSES)}"
        if not values.get("is_in_pool") and values.get("owner_id") is None:
            errors["owner_id"] = "线索须有负责人或在公海中 A lead needs an owner unless it is in the pool"
        return errors


class Account(RecordMixin, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        sa.Index("ix_accounts_owner", "owner_id"),
        sa.Index("ix_accounts_normalized_name", "normalized_name"),
    )

    owner_id: Mapped[int | None]
    partner_id: Mapped[int | None]
    unified_social_credit_code: Mapped[str | None]
    account_name: Mapped[str]
    normalized_name: Mapped[str | None]
    company_key: Mapped[str | None]
    short_name: Mapped[str | None]
    industry: Mapped[str | None]
    level: Mapped[str | None]
    province: Mapped[str | None]
    city: Mapped[str | None]
    address: Mapped[str | None]
    phone: Mapped[str | None]
    is_in_pool: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        name = (values.get("account_name") or "").strip()
        if len(name) < 2:
            errors["account_name"] = "客户名称至少 2 个字 Account name needs at least 2 characters"
        level = values.get("level")
        if level is not None and level not in ACCOUNT_LEVELS:
            errors["level"] = f"等级须为 {'/'.join(ACCOUNT_LEVELS)} Level must be one of {', '.join(ACCOUNT_LEVELS)}"
        code = values.get("unified_social_credit_code")
        if code and not re.fullmatch(r"[0-9A-Z]{18}", str(code)):
            errors["unified_social_credit_code"] = (
                "统一社会信用代码为 18 位数字或大写字母 The credit code has 18 digits or capital letters"
            )
        return errors


class Contact(RecordMixin, Base):
    __tablename__ = "contacts"
    __table_args__ = (sa.Index("ix_contacts_account", "account_id"),)

    owner_id: Mapped[int | None]
    partner_id: Mapped[int | None]
    account_id: Mapped[int]
    contact_name: Mapped[str]
    title: Mapped[str | None]
    mobile: Mapped[str | None]
    email: Mapped[str | None]
    is_decision_maker: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors = _contact_channels(values)
        if not (values.get("contact_name") or "").strip():
            errors["contact_name"] = "必填 Required"
        if not values.get("mobile") and not values.get("email"):
            errors["mobile"] = "手机或邮箱至少填一项 Give a mobile number or an e-mail"
        return errors


class Opportunity(RecordMixin, Base):
    __tablename__ = "opportunities"
    __table_args__ = (sa.Index("ix_opportunities_owner", "owner_id"),)

    owner_id: Mapped[int | None]
    account_id: Mapped[int]
    lead_id: Mapped[int | None]
    campaign_id: Mapped[int | None]
    department_id: Mapped[int | None]
    partner_id: Mapped[int | None]
    opportunity_name: Mapped[str]
    opportunity_type: Mapped[str | None]
    stage: Mapped[str]
    forecast_category: Mapped[str | None]
    status: Mapped[str] = mapped_column(default="open", server_default="open")
    loss_reason: Mapped[str | None]
    amount: Mapped[Decimal | None]
    win_rate_pct: Mapped[int | None]
    close_date: Mapped[dt.date | None]
    next_step: Mapped[str | None]
    decision_maker_contact_id: Mapped[int | None]
    quote_id: Mapped[int | None]
    contract_number: Mapped[str | None]
    closed_at: Mapped[dt.datetime | None]

    @classmethod
    def validate(cls, values: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not (values.get("opportunity_name") or "").strip():
            errors["opportunity_name"] = "必填 Required"
        amount = values.get("amount")
        if amount is not None and Decimal(amount) < 0:
            errors["amount"] = "金额不能为负 Amount cannot be negative"
        if values.get("status") not in OPPORTUNITY_STATUSES:
            errors["status"] = f"Status must be one of {', '.join(OPPORTUNITY_STATUSES)}"
        if values.get("status") == "lost" and not (values.get("loss_reason") or "").strip():
            errors["loss_reason"] = "输单须填写原因 A lost opportunity needs a loss reason"
        return errors


class OpportunityStageHistory(RecordMixin, Base):
    __tablename__ = "opportunity_stage_history"
    __table_args__ = (sa.Index("ix_opportunity_stage_history_opportunity", "opportunity_id"),)
    __partner_column__ = None

    owner_id: Mapped[int | None]
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"))
    from_stage: Mapped[str | None]
    to_stage: Mapped[str]
    amount: Mapped[Decimal | None]
    changed_by: Mapped[int | None]
    close_date: Mapped[dt.date | None]
    changed_at: Mapped[dt.datetime]
