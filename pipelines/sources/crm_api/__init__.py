"""Incremental extraction of the CRM from 销售易's OpenAPI into the landing zone (issue 18).

The client (``client.py``: token, retries, request budget) pulls each contract entity's records
changed since its watermark (``state.py``), ordered by (updatedAt, id), and writes them as the
contract's CRM JSON pages (``extract.py``), so ingestion, checks and marts are unchanged.
"""
