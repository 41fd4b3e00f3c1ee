"""Give back the memory a raw-check validation leaves in the process once its verdict is taken.

Why: the checks run in the pipeline's own process, which lives on through the dbt steps and the
Python assets. Great Expectations' pandas engine keeps every dataframe it was given to validate
(its batch cache, one entry per suite, for the life of the process-wide context), and Arrow's
allocator, which holds pandas' string columns, keeps the pages of freed frames for reuse
(``malloc_trim`` does not reach them). At S=100 the bench process still held 3.7 GB after the raw
checks, beside the first dbt step's own process: the run's peak (docs/performance.md, S=100).
"""

from __future__ import annotations


def release_validation_memory() -> None:
    """Drop the frames GX's engines cache and return Arrow's free pages to the system.

    Only between validations (the pipeline's executor runs one step at a time): a batch is
    loaded again from the frame passed to the next validation, so nothing is lost."""
    import pyarrow as pa

    from quality.validate import gx_context

    for datasource in gx_context().data_sources.all().values():
        batches = datasource.get_execution_engine().batch_manager
        batches.batch_data_cache.clear()
        batches.reset_batch_cache()
    pa.default_memory_pool().release_unused()
