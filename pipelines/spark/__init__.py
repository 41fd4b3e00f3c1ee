"""The Spark engine (``CRMLAKE_ENGINE=spark``): where Spark keeps its tables and how the
DuckDB side (Python assets, publish, apps) sees them. See docs/scale-out.md."""
