"""p95 latency of the sales pages' queries and the AR aging page's on a published snapshot.

    python -m tools.page_latency <published.duckdb> [repeats]

Runs each page's queries (the SQL of apps/sales_data.py and apps/finance_data.py, as the pages
issue them, uncached) ``repeats`` times on a read-only connection and prints p50/p95 per page in
milliseconds.
"""

import datetime as dt
import sys
import time

import duckdb
import numpy as np

from apps import finance_data, sales_data


def page_queries(run, end: dt.date, quarter: dt.date) -> dict:
    window = sales_data.quarter_bounds(end)
    return {
        "forecast": [
            lambda: run("select distinct quarter_start from sales.forecast order by 1 desc", ()),
            lambda: run("select * from sales.forecast where quarter_start = ?", (quarter,)),
            lambda: run("select * from sales.opportunities where expected_close_date between ? and ? order by amount desc",
                        window),
        ],
        "movement": [
            lambda: run("select distinct snapshot_date from sales.pipeline_snapshots order by 1", ()),
            lambda: sales_data.movement_between(end - dt.timedelta(days=7), end, window, run=run),
        ],
        "funnel": [
            lambda: run("select * from sales.funnel_conversion where period_type = ? and dimension = ? order by period_start",
                        ("quarter", "lead_source")),
            lambda: run("select * from sales.campaign_roi order by won_amount desc", ()),
        ],
        "pipeline_as_of (any date)": [
            lambda: sales_data.pipeline_as_of(end - dt.timedelta(days=200), run=run),
        ],
        "ar_aging (any date)": [
            lambda: run(finance_data.AGING_AS_OF_SQL, (end - dt.timedelta(days=200),)),
        ],
    }


def main(path: str, repeats: int = 30) -> None:
    con = duckdb.connect(path, read_only=True)

    def run(sql, params):
        return con.execute(sql, list(params)).df()

    end = con.execute("select cast(max(valid_from) as date) from sales.opportunity_versions").fetchone()[0]
    quarter = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    for page, queries in page_queries(run, end, quarter).items():
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            for q in queries:
                q()
            times.append((time.perf_counter() - t) * 1000)
        print(f"{page}: p50 {np.percentile(times, 50):.1f} ms, p95 {np.percentile(times, 95):.1f} ms ({repeats} runs)")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30)
