"""The landing-zone scan: a trace of every landing file that no raw asset will load.

Each raw asset reads only its own entity's files, so a file matching no entity's glob (a typo in
a folder name, a wrong extension) or refused (a symbolic link, a path outside the landing root)
would otherwise vanish without a word. This asset runs with the raw loads (key prefix ``raw``,
so in the ``ingest_raw`` job too), logs each such file as "ignored: <reason>" and rewrites the
list next to the ledgers; publish turns it into ``meta.ignored_files``.
"""

import dagster as dg

from pipelines.ingest.landing import record_ignored_files
from pipelines.resources import LakehouseResource

LANDING_ZONE_KEY = dg.AssetKey(["raw", "landing_zone"])


@dg.asset(
    key=LANDING_ZONE_KEY,
    group_name="raw_landing",
    kinds={"parquet"},
    description="Landing files that are not loaded, and why (matches no entity, symbolic link, "
    "outside the landing root): in the run log and, once published, in meta.ignored_files.",
)
def landing_zone(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
    ignored = record_ignored_files(lakehouse.settings, log=context.log)
    reasons: dict[str, int] = {}
    for i in ignored:
        reasons[i.reason] = reasons.get(i.reason, 0) + 1
    return dg.MaterializeResult(
        metadata={
            "ignored_files": len(ignored),
            "by_reason": dg.MetadataValue.json(reasons),
            "first_ignored": "\n".join(f"{i.path}: {i.reason}" for i in ignored[:20]),
        }
    )


defs = dg.Definitions(assets=[landing_zone])
