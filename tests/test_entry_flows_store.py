"""Store side of converting a lead (issue 17), fast (no pipeline): the contact and only the
opportunity asked for are created, in one audited transaction that a refused step leaves untouched."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import store_fixtures
from store_fixtures import FIN, REP1, REP2, make_reference, viewer

from operational.db import session_scope
from operational.errors import ValidationError
from operational.models import AuditLog, Contact, Lead, Opportunity
from operational.workflows import leads

store_url = store_fixtures.store_url
REP1_V, REP2_V = viewer("sales_rep", REP1), viewer("sales_rep", REP2)
FINANCE = viewer("finance", FIN)
A_HUACE = 1000000000103
ACCOUNTS = [{"account_id": A_HUACE, "owner_id": REP1, "partner_id": None, "unified_social_credit_code": None,
             "account_name": "上海华测导航技术股份有限公司"}]
REF = make_reference(accounts=ACCOUNTS)


def _lead(url: str, company: str) -> int:
    with session_scope(url) as s:
        return leads.create_lead(s, REP1_V, {"lead_name": "郑经理", "company_name": company, "mobile": "13800138000"},
                                 reference=REF).id


def test_convert_with_contact_and_without_opportunity(store_url):
    lead_id = _lead(store_url, "上海华测导航技术股份有限公司")
    with session_scope(store_url) as s:
        done = leads.convert_lead(s, REP1_V, lead_id, 1, account_id=A_HUACE, with_opportunity=False,
                                  contact_values={"contact_name": "郑经理", "mobile": "13800138000"}, reference=REF)
        assert (done.status, done.converted_account_id, done.converted_opportunity_id) == ("converted", A_HUACE, None)
    with session_scope(store_url, readonly=True) as s:
        contact = s.scalars(sa.select(Contact)).one()
        assert (contact.account_id, contact.contact_name, contact.owner_id) == (A_HUACE, "郑经理", REP1)
        assert s.scalars(sa.select(Opportunity)).all() == []
        audit = s.scalars(sa.select(AuditLog).where(AuditLog.table_name == "leads", AuditLog.action == "convert")).one()
        assert f"contact #{contact.id}" in audit.comment and f"#{A_HUACE}" in audit.comment


def test_a_refused_step_converts_nothing(store_url):
    lead_id = _lead(store_url, "杭州全新转化测试有限公司")
    with pytest.raises(ValidationError) as refused, session_scope(store_url) as s:
        leads.convert_lead(s, REP1_V, lead_id, 1, contact_values={"contact_name": "王", "email": "not-an-email"},
                           opportunity_values={"amount": "12a"}, reference=REF)
    assert refused.value.errors
    with session_scope(store_url, readonly=True) as s:
        assert s.get(Lead, lead_id).status == "new"
        for table in ("accounts", "contacts", "opportunities"):
            assert s.execute(sa.text(f"select count(*) from {table}")).scalar() == 0, table
