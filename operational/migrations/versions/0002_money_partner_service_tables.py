"""Money, partner and service tables: quotes and approvals, orders, deliveries, payment plans,
receipts, deal registrations, special prices, company-resolution decisions, tickets and events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:05:46.390172
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=True),
        sa.Column("approver_role", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
    )
    op.create_index("ix_approvals_object", "approvals", ["object_type", "object_id"], unique=False)
    op.create_index("ix_approvals_status", "approvals", ["status"], unique=False)

    op.create_table(
        "company_resolution_decisions",
        sa.Column("typed_name", sa.Text(), nullable=False),
        sa.Column("normalized_name", sa.Text(), nullable=False),
        sa.Column("company_key", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_resolution_decisions")),
    )
    op.create_index(
        "ix_company_resolution_decisions_name",
        "company_resolution_decisions",
        ["normalized_name"],
        unique=False,
    )

    op.create_table(
        "deal_registrations",
        sa.Column("partner_id", sa.BigInteger(), nullable=False),
        sa.Column("crm_opportunity_id", sa.BigInteger(), nullable=True),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("customer_name", sa.Text(), nullable=False),
        sa.Column("normalized_name", sa.Text(), nullable=True),
        sa.Column("company_key", sa.Text(), nullable=True),
        sa.Column("product_line", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("estimated_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("approved_by", sa.BigInteger(), nullable=True),
        sa.Column("protection_days", sa.BigInteger(), nullable=False),
        sa.Column("protected_until", sa.Date(), nullable=True),
        sa.Column("expected_close_date", sa.Date(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("has_conflict", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("conflict_note", sa.Text(), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_registrations")),
    )
    op.create_index(
        "ix_deal_registrations_company", "deal_registrations", ["company_key"], unique=False
    )
    op.create_index(
        "ix_deal_registrations_partner", "deal_registrations", ["partner_id"], unique=False
    )

    op.create_table(
        "deliveries",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("delivery_no", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("tracking_no", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("delivery_no", name=op.f("uq_deliveries_delivery_no")),
    )
    op.create_index("ix_deliveries_account", "deliveries", ["account_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("opportunity_id", sa.BigInteger(), nullable=True),
        sa.Column("quote_id", sa.BigInteger(), nullable=True),
        sa.Column("contract_id", sa.BigInteger(), nullable=True),
        sa.Column("partner_id", sa.BigInteger(), nullable=True),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.Text(), server_default="confirmed", nullable=False),
        sa.Column(
            "total_amount", sa.Numeric(precision=18, scale=2), server_default="0", nullable=False
        ),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("order_no", name=op.f("uq_orders_order_no")),
    )
    op.create_index("ix_orders_account", "orders", ["account_id"], unique=False)
    op.create_index("ix_orders_owner", "orders", ["owner_id"], unique=False)

    op.create_table(
        "quotes",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("quote_no", sa.String(length=32), nullable=False),
        sa.Column("opportunity_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("price_book_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), server_default="draft", nullable=False),
        sa.Column(
            "total_amount", sa.Numeric(precision=18, scale=2), server_default="0", nullable=False
        ),
        sa.Column("discount_rate", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("approved_by", sa.BigInteger(), nullable=True),
        sa.Column("quote_date", sa.Date(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("quote_no", name=op.f("uq_quotes_quote_no")),
    )
    op.create_index("ix_quotes_opportunity", "quotes", ["opportunity_id"], unique=False)
    op.create_index("ix_quotes_owner", "quotes", ["owner_id"], unique=False)

    op.create_table(
        "tickets",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("ticket_no", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("product_code", sa.Text(), nullable=True),
        sa.Column("assignee_agent_id", sa.Text(), nullable=True),
        sa.Column("call_id", sa.Text(), nullable=True),
        sa.Column("conversation_id", sa.Text(), nullable=True),
        sa.Column("contact_phone", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("priority", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="new", nullable=False),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("rating", sa.BigInteger(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("ticket_no", name=op.f("uq_tickets_ticket_no")),
    )
    op.create_index("ix_tickets_account", "tickets", ["account_id"], unique=False)
    op.create_index("ix_tickets_owner", "tickets", ["owner_id"], unique=False)

    op.create_table(
        "order_lines",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("price_book_id", sa.BigInteger(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("tolerance_type", sa.String(length=16), server_default="none", nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("list_price", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column(
            "discount_rate", sa.Numeric(precision=18, scale=4), server_default="0", nullable=False
        ),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("line_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("tolerance_value", sa.Numeric(precision=18, scale=3), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    op.create_index("ix_order_lines_order", "order_lines", ["order_id"], unique=False)

    op.create_table(
        "payment_plans",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("plan_no", sa.String(length=32), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("installment_count", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_payment_plans_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_plans")),
        sa.UniqueConstraint("plan_no", name=op.f("uq_payment_plans_plan_no")),
    )
    op.create_index("ix_payment_plans_order", "payment_plans", ["order_id"], unique=False)

    op.create_table(
        "quote_lines",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("quote_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("list_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column(
            "discount_rate", sa.Numeric(precision=18, scale=4), server_default="0", nullable=False
        ),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("line_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quotes.id"], name=op.f("fk_quote_lines_quote_id_quotes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_lines")),
    )
    op.create_index("ix_quote_lines_quote", "quote_lines", ["quote_id"], unique=False)

    op.create_table(
        "special_price_requests",
        sa.Column("partner_id", sa.BigInteger(), nullable=False),
        sa.Column("registration_id", sa.BigInteger(), nullable=True),
        sa.Column("opportunity_id", sa.BigInteger(), nullable=True),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("product_code", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("list_price", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("requested_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("approved_price", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["deal_registrations.id"],
            name=op.f("fk_special_price_requests_registration_id_deal_registrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_special_price_requests")),
    )
    op.create_index(
        "ix_special_price_requests_partner", "special_price_requests", ["partner_id"], unique=False
    )

    op.create_table(
        "ticket_events",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_no", sa.String(length=32), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=True),
        sa.Column("to_status", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    op.create_index("ix_ticket_events_ticket", "ticket_events", ["ticket_id"], unique=False)

    op.create_table(
        "ticket_requirement_links",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_no", sa.String(length=32), nullable=False),
        sa.Column("requirement_id", sa.String(length=32), nullable=False),
        sa.Column("linked_by", sa.Text(), nullable=True),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.Column("from_suggestion", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("suggestion_score", sa.Numeric(precision=9, scale=4), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_requirement_links_ticket_id_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_requirement_links")),
        sa.UniqueConstraint(
            "ticket_id", "requirement_id", name=op.f("uq_ticket_requirement_links_ticket_id")
        ),
    )
    op.create_table(
        "delivery_lines",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("order_line_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_delivery_lines_delivery_id_deliveries"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_delivery_lines_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_delivery_lines_order_line_id_order_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_lines")),
    )
    op.create_index("ix_delivery_lines_delivery", "delivery_lines", ["delivery_id"], unique=False)
    op.create_index(
        "ix_delivery_lines_order_line", "delivery_lines", ["order_line_id"], unique=False
    )

    op.create_table(
        "payment_installments",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("payment_plan_id", sa.BigInteger(), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_no", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["payment_plan_id"],
            ["payment_plans.id"],
            name=op.f("fk_payment_installments_payment_plan_id_payment_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_installments")),
    )
    op.create_index(
        "ix_payment_installments_plan", "payment_installments", ["payment_plan_id"], unique=False
    )

    op.create_table(
        "receipts",
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("receipt_no", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("installment_id", sa.BigInteger(), nullable=True),
        sa.Column("bank_txn_no", sa.Text(), nullable=True),
        sa.Column("receipt_type", sa.String(length=16), server_default="receipt", nullable=False),
        sa.Column("payment_method", sa.Text(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("is_advance", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("receipt_date", sa.Date(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_system", sa.String(length=8), server_default="ops", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["installment_id"],
            ["payment_installments.id"],
            name=op.f("fk_receipts_installment_id_payment_installments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint("receipt_no", name=op.f("uq_receipts_receipt_no")),
    )
    op.create_index("ix_receipts_installment", "receipts", ["installment_id"], unique=False)
    op.create_index("ix_receipts_order", "receipts", ["order_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_receipts_order", table_name="receipts")
    op.drop_index("ix_receipts_installment", table_name="receipts")

    op.drop_table("receipts")
    op.drop_index("ix_payment_installments_plan", table_name="payment_installments")

    op.drop_table("payment_installments")
    op.drop_index("ix_delivery_lines_order_line", table_name="delivery_lines")
    op.drop_index("ix_delivery_lines_delivery", table_name="delivery_lines")

    op.drop_table("delivery_lines")
    op.drop_table("ticket_requirement_links")
    op.drop_index("ix_ticket_events_ticket", table_name="ticket_events")

    op.drop_table("ticket_events")
    op.drop_index("ix_special_price_requests_partner", table_name="special_price_requests")

    op.drop_table("special_price_requests")
    op.drop_index("ix_quote_lines_quote", table_name="quote_lines")

    op.drop_table("quote_lines")
    op.drop_index("ix_payment_plans_order", table_name="payment_plans")

    op.drop_table("payment_plans")
    op.drop_index("ix_order_lines_order", table_name="order_lines")

    op.drop_table("order_lines")
    op.drop_index("ix_tickets_owner", table_name="tickets")
    op.drop_index("ix_tickets_account", table_name="tickets")

    op.drop_table("tickets")
    op.drop_index("ix_quotes_owner", table_name="quotes")
    op.drop_index("ix_quotes_opportunity", table_name="quotes")

    op.drop_table("quotes")
    op.drop_index("ix_orders_owner", table_name="orders")
    op.drop_index("ix_orders_account", table_name="orders")

    op.drop_table("orders")
    op.drop_index("ix_deliveries_account", table_name="deliveries")

    op.drop_table("deliveries")
    op.drop_index("ix_deal_registrations_partner", table_name="deal_registrations")
    op.drop_index("ix_deal_registrations_company", table_name="deal_registrations")

    op.drop_table("deal_registrations")
    op.drop_index("ix_company_resolution_decisions_name", table_name="company_resolution_decisions")

    op.drop_table("company_resolution_decisions")
    op.drop_index("ix_approvals_status", table_name="approvals")
    op.drop_index("ix_approvals_object", table_name="approvals")

    op.drop_table("approvals")
