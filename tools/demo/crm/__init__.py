"""CRM tables of the demo company: organisation, catalogue, funnel, orders, money and activity.

The funnel is causal so that analytics have something to find: the win probability of an
opportunity depends on its lead source, its size, how fast it moves through the stages and the
rep's skill; a customer pays late according to its own latent lateness.

One module per part of the CRM. ``build`` runs them in a fixed order: later parts read the
tables earlier ones added to the world, and ids are handed out in sequence, so moving a step
changes the ids of everything built after it (and with them the bytes of the landing zone).
"""

from __future__ import annotations

import polars as pl

from ..world import World
from . import activities, catalogue, commission, customers, opportunities, orders, org, payments
from .org import admin_id


def build(world: World) -> None:
    """Add every crm.* table (and the company universe and partner master) to ``world``."""
    org.departments_and_users(world)
    catalogue.products_and_price_books(world)
    org.partner_master(world)
    customers.campaigns(world)
    customers.accounts_contacts_and_leads(world)
    opportunities.opportunities_and_quotes(world)
    orders.orders_and_contracts(world)
    payments.plans_installments_and_receipts(world)
    commission.targets_and_commission(world)
    activities.expenses(world)
    activities.activity_records(world)


# deliberate paging defects per object: page-boundary overlaps and stale re-sends in a delta
WRITE_DIRT = {
    "crm.leads": {"overlaps": 1, "out_of_order": 2},
    "crm.accounts": {"overlaps": 1, "out_of_order": 2},
    "crm.opportunities": {"out_of_order": 2},
    "crm.activities": {"overlaps": 2},
}


def write(world: World, writer) -> None:
    from kernel.contracts import entities_of

    admin = admin_id(world)
    for spec in entities_of("crm"):
        name = spec.qualified_name
        # records in the pool (公海) belong to the system administrator, as the CRM shows them
        writer.write_crm(
            name,
            world.tables[name].with_columns(pl.col("ownerId").fill_null(admin)),
            world.notes.get(name, ()),
            prev_versions=world.prev_versions.get(name),
            rng=world.rng(f"write.{name}"),
            **WRITE_DIRT.get(name, {}),
        )
