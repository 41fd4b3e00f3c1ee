"""docs/sources.md's section "Connect your 销售易 tenant" (issue 18), rendered with the contract
by tools.demo.contract_doc; the default object apiKeys come from kernel.config.crm_api."""

from __future__ import annotations

from kernel.config.crm_api import DEFAULT_OBJECT_KEYS


def crm_api_section() -> str:
    objects = ", ".join(f"`{e.split('.', 1)[1]}` → `{k}`" for e, k in DEFAULT_OBJECT_KEYS.items())
    return f"""## Connect your 销售易 tenant

Instead of exporting JSON pages by hand, `crmlake extract crm` pulls every CRM entity of this
contract from the tenant's OpenAPI and writes it into the landing zone **in exactly the format
above** (`crm/<entity>/full_<UTC time>/page_NNNN.json` for the first pull, `delta_<UTC time>/`
after it; `{{"totalSize", "pageNo", "pageSize", "hasMore", "records"}}`), so `crmlake run` loads,
checks and publishes it like a file drop. Run it before `crmlake run` (cron, or by hand):

```bash
export CRMLAKE_CRM_CLIENT_ID=... CRMLAKE_CRM_CLIENT_SECRET=... \\
       CRMLAKE_CRM_USERNAME=... CRMLAKE_CRM_PASSWORD=...   # password followed by the security token
crmlake extract crm            # per entity: pages, records, requests, seconds, records/s, deleted
crmlake run
crmlake status                 # also each entity's watermark, last success and last error
```

**Settings.** `crm_api.yml` in the settings folder ([settings.md](settings.md#crm_apiyml--pulling-the-crm-from-销售易s-openapi)):
the API address (`CRMLAKE_CRM_BASE_URL` overrides it), page size, request budget per minute,
look-back, timeouts, tries and back-off, the id reconciliation, and the mapping. Credentials come
only from the four environment variables above; they are sent to the token endpoint and nowhere
else, and never written to a log line, a state file or an error message.

**Field mapping.** The contract's CRM fields already carry 销售易's standard names (`ownerId`,
`dimDepart`, `createdAt`/`updatedAt` in epoch ms, lookups by id), so only differences are
configured: `objects.<entity>.api_key` when the tenant's object is not the default, and
`objects.<entity>.fields` for a field the tenant keeps under another apiKey, typically a custom
field (`unifiedSocialCreditCode: creditCode__c`). Default objects: {objects}; objects ending in
`__c` are what a tenant usually builds as custom objects: check them against the tenant's object
list (`GET /rest/metadata/v2.0/xobjects/filter`). At the start of each entity the object's
description (`GET /rest/data/v2.0/xobjects/<apiKey>/description`, `fields[].apiKey`) is checked:
a required field the tenant lacks stops that entity with a message naming the field and the key
to set (the other entities go on, exit code 1); an optional one is left out of the query and
lands empty, with a warning. A `date` field the API gives as epoch ms becomes `YYYY-MM-DD` (local
date); every other value lands as the API gives it, so the raw loaders type and quarantine it
exactly as a file drop's value.

**What is extracted, and how.** Per entity, one XOQL query per page,
`select <fields> from <object> where updatedAt >= <watermark − look-back> order by updatedAt, id limit 0,<page size>`
(`GET /rest/data/v2/query?q=...`); the next page starts at the last record's `updatedAt`
(keyset paging; offsets only inside a run of equal `updatedAt` longer than a page), so a record
saved during the pull gets a newer `updatedAt` and is met again later instead of being skipped.
Each page's new records are written as one landing page (to a hidden file, then renamed), and
only then does the entity's watermark move (`<lakehouse>/ledger/crm_api/<entity>.json`, replaced
atomically). Records already written (the look-back window, a page written by a run killed before
it saved its state, which the next run adopts) are not written again: a re-run on unchanged data
writes no file, and `crmlake run` then has nothing to do.

**Corrections and deletes.** A correction in the CRM is a save, so it arrives as a newer version
and staging keeps the newest version of each id, as with a delta batch. 销售易's public API has no
deleted-records query, so once a day (`reconcile_deletes_every_days`; `--deletes` forces it) the
pull also lists the tenant's ids (`select id from <object> order by id`, an id-only pass costing one
request per page of records) and compares them with the ids whose newest version in the landing
zone (file drops and API pulls alike) is a record. Each id no longer in the tenant lands as a
**delete marker** ([deletes and corrections](#deletes-and-corrections)) on a page of
`crm/<entity>/deletes_<UTC time>/`, with the detection time as its `updatedAt` (one millisecond
after the version it deletes if the local clock is behind), and is listed in
`<lakehouse>/ledger/crm_api/<entity>.deleted.json` and counted in `crmlake extract crm` and
`crmlake status`. The next `crmlake run` loads the marker and staging leaves the record out of every
mart. An id found deleted once is not found again (its newest landed version is the marker), so a
re-run writes nothing; the entity's watermark does not move for a marker. A record restored in the
tenant gets a new `updatedAt`, is pulled as a newer version and comes back. A file drop passes
deletes on the same way: the export carries the markers. Limits: a delete is seen at the next
reconciliation (up to a day late by default), and a record restored *without* a new `updatedAt`
stays deleted until it is saved again.

**Rate limits.** Every request first takes a place in the request budget (`requests_per_minute`,
a sliding 60-second window: the tenant's API quota is shared with its users). Timeouts, connection
errors, HTTP 429 and 5xx are tried again up to `max_attempts` times with exponential back-off and
jitter (`Retry-After` honoured up to `backoff_max_seconds`); an expired token (401) is fetched
again once. An entity whose tries run out keeps the pages it wrote and its watermark, records the
error for `crmlake status`, and the next run resumes from there.

**Figures** (2026-12-05, seed 42, the simulator in the same process on 127.0.0.1, 500 records a
page, no request budget, a 2-core machine shared with other pipeline runs). A first pull of S=1
(40,275 records, 126 requests) took 4.3-6.4 s, **6,400-9,400 records/s**; of S=10 (403,000
records, 855 requests) 21.9 s, **18,600 records/s** (per-entity costs, the description and a
synced file per page, weigh less on larger entities). A re-run on unchanged data writes nothing;
with the id pass it took 8.8 s at S=1 (151 requests) and 43.1 s at S=10 (897 requests). Against a
real tenant the request budget decides: at the default 300 requests a minute and 500 records a
page at most 2,500 records/s, so the S=10 first pull needs about 3 minutes, a daily delta a few
requests per entity, and the daily id pass about 2.7 minutes. The same data through both doors,
S=0.2: the file drop, and four pulls replaying its four batches day by day into a fresh landing
zone (the other sources copied), each followed by `crmlake run`, published **identical marts**
(all 46 tables of sales, finance, service, partner, compared row for row with the comparator of
the Spark equivalence test), identical CRM staging tables apart from lineage, and the same 9
quarantined rows and 14 check warnings; so did one `crmlake extract crm` of the final state served
by `crmlake demo --serve-crm` (46 mart tables identical, 9 quarantined rows). These comparisons were
run by hand (whole runs, ~5 minutes each on this machine); `make test` proves the landed records
equal (`tests/test_crm_api_extract.py`) and, with a delete, the marts (`tests/test_crm_same_marts.py`,
S=0.05, `CRMLAKE_SAME_MARTS_SCALE` to change it): `crmlake extract crm` from the simulator and
`crmlake run`, an opportunity deleted in the simulator, `crmlake extract crm --deletes` and
`crmlake run` again, against the file drop carrying the same delete as a marker page and run once:
every mart table identical (2026-12-05: 46 tables compared, 0 differences; the deleted
opportunity in neither). Three whole runs: 15.7 minutes on this machine at a load of 7-8 from
other work, about 4-6 minutes a run. By hand on that API lakehouse, a second delete delivered as
a marker page a day later: `crmlake run` rebuilt only what crm.opportunities feeds (88 s) and
published what `crmlake run --full-refresh` of the same landing zone published (46 tables, 0
differences).

**Try it locally.** `crmlake demo --serve-crm` serves the demo landing zone's CRM records as a
local 销售易 OpenAPI on 127.0.0.1 (token endpoint with expiring tokens, the XOQL subset above,
object descriptions; the tests also inject 429 bursts, 5xx, slow answers and records changed or
deleted between pages, `tools/crm_simulator/`); it prints the environment for
`crmlake extract crm` in another shell with another `CRMLAKE_HOME`.
"""
