"""One advisory file lock for the pipeline's critical sections (ledger, store extraction, publish).

Two runs may overlap (a sensor-started run while ``crmlake run`` is going, a retried Dagster
step); each section that rewrites shared files takes this lock first. POSIX ``flock``: released by
the kernel when a process dies, so a killed run never leaves a lock behind. Windows has no
advisory locks here: there runs must not overlap.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def file_lock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``path``; yields False (not held) when ``wait`` is off and it is taken."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield True
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
