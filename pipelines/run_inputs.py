"""Everything a run reads, as digests, so a run with nothing new can say so and stop in seconds.

A run's output is a function of its inputs: the landing files the loaders would read, the rows of
the operational store, the business-settings folder and the code (Python packages, dbt project,
source contract). ``crmlake run`` takes these digests BEFORE it starts (a file that lands during the
run makes the next run real) and records them with a successful run; the next run compares. The
store needs no digest of its own: its extraction watermark already says whether any row changed
since the last extraction (``pending_changes``, one aggregate per table).

Deliberately conservative: anything that might matter (a file touched but unchanged, a code
checkout, an unreadable store stamp) makes the run real; a no-op is only claimed when nothing did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from kernel.contracts import load_contract
from kernel.settings import Settings
from pipelines.ingest.landing import scan

REPO = Path(__file__).resolve().parents[1]
# What the pipeline's behaviour is made of: a change in any of these files can change a figure.
CODE_ROOTS = ("kernel", "pipelines", "models_ml", "quality", "operational",
              "dbt_project/models", "dbt_project/macros", "dbt_project/tests",
              "dbt_project/dbt_project.yml", "pyproject.toml")
SKIPPED_PARTS = {"__pycache__", "target", "logs"}


@dataclass(frozen=True)
class RunInputs:
    landing: str
    settings: str
    code: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def landing_fingerprint(settings: Settings) -> str:
    """A digest of (path, size, mtime) of every landing file the loaders would read.

    Through the loaders' own ``scan``: what they skip (an Office ``~$`` lock file, a hidden
    ``.DS_Store``, a symbolic link, even a dangling one) changes nothing.
    """
    digest = hashlib.sha256()
    for spec in load_contract().values():
        for path, rel in scan(spec, settings.landing_dir).files:
            stat = path.lstat()
            digest.update(f"{rel}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _files_digest(files: Iterable[tuple[str, Path]], *, content: bool) -> str:
    digest = hashlib.sha256()
    for name, path in sorted(files):
        if content:
            digest.update(f"{name}\n".encode() + path.read_bytes() + b"\n")
        else:
            stat = path.stat()
            digest.update(f"{name}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _regular_files(root: Path, base: Path) -> list[tuple[str, Path]]:
    if root.is_file():
        return [(root.relative_to(base).as_posix(), root)]
    if not root.is_dir():
        return []
    return [
        (path.relative_to(base).as_posix(), path)
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink() and not SKIPPED_PARTS.intersection(path.parts)
    ]


def settings_fingerprint(settings: Settings) -> str:
    """The business-settings folder's file names and contents (a few small YAML files)."""
    return _files_digest(_regular_files(settings.config_dir, settings.config_dir), content=True)


def code_fingerprint(repo: Path = REPO) -> str:
    """(path, size, mtime) of the code a run executes: Python packages, dbt project, contract."""
    files = [f for root in CODE_ROOTS for f in _regular_files(repo / root, repo)]
    return _files_digest(files, content=False)


def current_inputs(settings: Settings) -> RunInputs:
    return RunInputs(
        landing=landing_fingerprint(settings),
        settings=settings_fingerprint(settings),
        code=code_fingerprint(),
    )


def why_not_a_no_op(settings: Settings, inputs: RunInputs, last_run: dict | None) -> str | None:
    """Why this run must do work (None: nothing changed since the last successful run, whose
    snapshot is still published, so the run would publish the same figures again)."""
    if not last_run or not last_run.get("success"):
        return "the last run did not succeed"
    if not settings.published_database.exists():
        return "nothing is published"
    recorded = last_run.get("inputs") or {}
    changed = [name for name, value in inputs.as_dict().items() if recorded.get(name) != value]
    if changed:
        return f"changed since the last run: {', '.join(changed)}"
    from pipelines.sources.operational.extract import pending_changes

    if pending := pending_changes(settings):
        return f"store rows saved since the last extraction: {', '.join(sorted(pending))}"
    return None
