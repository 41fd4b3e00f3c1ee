"""A local stand-in for 销售易's OpenAPI, serving a demo landing zone's CRM records (issue 18).

For tests and the demo (`crmlake demo --serve-crm`): the token endpoint with expiring tokens,
the XOQL query subset the extraction uses, object descriptions, and faults on demand (429
bursts, 5xx, slow answers, tokens expiring mid-run, records changed or deleted between pages).
It binds 127.0.0.1 only.
"""

from tools.crm_simulator.server import CrmSimulator, Faults
from tools.crm_simulator.store import CrmStore

__all__ = ["CrmSimulator", "CrmStore", "Faults"]
