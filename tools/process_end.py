"""End a ``crmlake`` command without tearing the interpreter down object by object.

After a pipeline run the process holds Dagster, dbt, pandas and scikit-learn; freeing their
modules and objects one by one at exit cost 1.5-2 s CPU a run (issue 16: a run costs what
changed), work the operating system does at once when the process ends. Everything a normal exit
does for others is still done first: threads that are not daemons are waited for, every exit
handler runs (logging's flush, multiprocessing's clean-up, ...), the output streams are flushed.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def end_process(code: int | None) -> NoReturn:
    """Exit with ``code`` (None: 0) as ``sys.exit`` would, minus the interpreter's own teardown."""
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()  # a normal exit waits for them too
    atexit._run_exitfuncs()  # noqa: SLF001 - the handlers a normal exit runs, in the same order
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing left to write to
            pass
    os._exit(code or 0)
