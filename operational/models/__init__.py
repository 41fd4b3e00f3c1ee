"""All store models; importing this package registers every table on ``Base.metadata``.

Every module in this package is imported here, so a new model file (orders, partners, service …)
needs no registration line: Alembic and the generic layers see it at once.
"""

import importlib
import pkgutil

from operational.models.base import Base, RecordMixin
from operational.models.sales import Account, Contact, Lead, Opportunity, OpportunityStageHistory
from operational.models.users import ROLES, AppUser, AuditLog, IdCounter

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "ROLES",
    "Account",
    "AppUser",
    "AuditLog",
    "Base",
    "Contact",
    "IdCounter",
    "Lead",
    "Opportunity",
    "OpportunityStageHistory",
    "RecordMixin",
    "model_for_table",
]


def model_for_table(table_name: str) -> type:
    """The mapped class of a table name (for audit views and generic loaders)."""
    for mapper in Base.registry.mappers:
        if mapper.class_.__tablename__ == table_name:
            return mapper.class_
    raise KeyError(f"no store model for table {table_name!r}")
