"""dbt's command line as the pipeline starts it (pipelines/dbt/project.py), with two costs that
every dbt process paid taken down; what dbt builds and tests is the same.

Python's garbage collector: dbt's imports alone leave 130,000 objects that live until the process
ends (the manifest read from the saved parse adds more), and with Python's default thresholds the
young generation is collected every 700 allocations and the survivors are scanned again and again.
Here the young generation is collected every 50,000 allocations and the imported modules are
frozen out of the collections; unreachable cycles are still collected, later. With the log file
below, an S=1 one-day delta's three dbt processes took 15 % less CPU (docs/performance.md, the
same peak memory).

dbt's log file (``dbt.log`` in the target folder): dagster-dbt sets ``DBT_LOG_FORMAT=json`` for
the events it reads from stdout, and dbt's file log follows that format unless its own is set: a
JSON line per debug event, each SQL statement among them (an S=1 delta's file grew 5.1 MB as JSON,
1.1 MB as text). The file gets dbt's own format for files: text lines with time, level and thread,
the same debug events (unless the caller set ``DBT_LOG_FORMAT_FILE``). stdout stays JSON.

Run as ``python -P dbt_main.py ARGS`` (``-P``: this folder is not put on ``sys.path``).
"""

from __future__ import annotations

import gc
import os
import sys


def main() -> None:
    os.environ.setdefault("DBT_LOG_FORMAT_FILE", "debug")
    gc.set_threshold(50_000, 10, 10)  # the young generation; the older ones keep their defaults
    from dbt.cli.main import cli

    gc.freeze()  # the imported modules: collections no longer scan them
    sys.argv[0] = "dbt"
    cli()  # click's standalone mode: exits with dbt's exit code


if __name__ == "__main__":
    main()
