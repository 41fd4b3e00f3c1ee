"""What in the landing zone may be read, and a trace of every file that is not.

A landing zone is an upload area: whoever can put a file there must not be able to make the
pipeline read anything else it can see. So a path is only read when it lies under the landing
root without passing through a symbolic link (to a file, or a folder on the way), and it is
opened without following a link swapped in after the scan. And no file may vanish without a
trace: every file that is not loaded (it matches no entity's glob, or it is refused) is listed
with its reason, in the run log, in ``<ledger_dir>/ignored_files.parquet`` (rewritten by every
scan) and, through publish, in ``meta.ignored_files``.

Not listed, because they are never deliveries: hidden files and folders (``.DS_Store``,
``.git/``, an upload tool's ``.name.part``), README files and the demo's ``_truth/`` folder --
unless an entity's glob matches them, in which case they are refused and listed. Hard links and
bind mounts cannot be told apart from ordinary files by their path; the landing folder's
permissions must keep them out.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from kernel.contracts import EntitySpec
from kernel.settings import Settings
from pipelines.ingest.layout import (
    atomic_write_parquet,
    ignored_files_path,
    remove_stale_temporaries,
)

LOGGER = logging.getLogger("crmlake.ingest")

MATCHES_NO_ENTITY = "matches no entity"
SYMBOLIC_LINK = "symbolic link, not followed"
OUTSIDE_ROOT = "outside the landing root"
HIDDEN = "hidden or temporary file, not a delivery"
NOT_A_FILE = "not a regular file"

# Not landing data: the demo generator's ground truth (see docs/sources.md).
NOT_LANDING_FOLDERS = ("_truth",)

IGNORED_SCHEMA = {"path": pl.Utf8(), "reason": pl.Utf8()}


class RefusedFile(OSError):
    """A landing path that must not be read (raised when it changed after the scan)."""


@dataclass(frozen=True)
class IgnoredFile:
    path: str  # relative to the landing root, posix
    reason: str


@dataclass(frozen=True)
class Discovery:
    """The landing files of one entity, and the matching paths that are never read."""

    files: list[tuple[Path, str]]  # (absolute path, landing-relative posix path), sorted
    refused: list[tuple[str, str]]  # (landing-relative path, reason), sorted

    @property
    def symlinks(self) -> list[str]:
        return [rel for rel, reason in self.refused if reason == SYMBOLIC_LINK]


def _hidden(name: str) -> bool:
    """Hidden files and Office lock files (``~$book.xlsx``, a partner's open workbook)."""
    return name.startswith((".", "~$"))


def _documentation(name: str) -> bool:
    return name.split(".", 1)[0].lower() == "readme"


def refusal(root: Path, path: Path) -> str | None:
    """Why ``path`` (found under ``root``) must not be read, or None when it may be."""
    rel = Path(os.path.relpath(path, root))
    if any(_hidden(part) for part in rel.parts if part != ".."):
        return HIDDEN
    if any((root / Path(*rel.parts[:i])).is_symlink() for i in range(1, len(rel.parts) + 1)):
        return SYMBOLIC_LINK
    if not path.resolve().is_relative_to(root.resolve()):
        return OUTSIDE_ROOT
    if not path.is_file():
        return NOT_A_FILE
    return None


def scan(spec: EntitySpec, root: Path) -> Discovery:
    """Every file under ``root`` matching ``spec.path`` that may be read, and those refused."""
    if not root.is_dir():
        return Discovery([], [])
    files: list[tuple[Path, str]] = []
    refused: list[tuple[str, str]] = []
    for p in root.glob(spec.path):
        rel = Path(os.path.relpath(p, root)).as_posix()
        reason = refusal(root, p)
        if reason is None:
            files.append((p, rel))
        else:
            refused.append((rel, reason))
    return Discovery(sorted(files, key=lambda item: item[1]), sorted(refused))


def read_landing_bytes(path: Path) -> bytes:
    """The bytes of a landing file, refusing a link or non-file swapped in after the scan."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if path.is_symlink():
            raise RefusedFile(f"{path}: {SYMBOLIC_LINK}") from exc
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise RefusedFile(f"{path}: {NOT_A_FILE}")
        return handle.read()


def _walk(root: Path) -> list[tuple[str, bool]]:
    """(relative path, is a link) of every file and linked folder under ``root``, links not entered.

    Hidden folders, README files and ``_truth/`` are left out (see the module docstring).
    """
    found: list[tuple[str, bool]] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        rel_folder = here.relative_to(root)
        keep = []
        for d in sorted(dirs):
            if _hidden(d) or (rel_folder == Path(".") and d in NOT_LANDING_FOLDERS):
                continue
            if (here / d).is_symlink():
                found.append(((rel_folder / d).as_posix(), True))
            else:
                keep.append(d)
        dirs[:] = keep
        for name in names:
            if not (_hidden(name) or _documentation(name)):
                found.append(((rel_folder / name).as_posix(), (here / name).is_symlink()))
    return found


def ignored_files(
    root: Path, specs: list[EntitySpec], scans: list[Discovery] | None = None
) -> list[IgnoredFile]:
    """Every landing file that will not be loaded, with the reason, sorted by path.

    ``scans``: :func:`scan` of each of ``specs`` when the caller has them already.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    claimed: set[str] = set()
    reasons: dict[str, str] = {}
    for found in scans if scans is not None else [scan(spec, root) for spec in specs]:
        claimed.update(rel for _, rel in found.files)
        for rel, reason in found.refused:
            reasons.setdefault(rel, reason)
    for rel, is_link in _walk(root):
        if rel in claimed or rel in reasons:
            continue
        if is_link:
            if not any(r.startswith(f"{rel}/") for r in reasons):  # listed through it already
                reasons[rel] = SYMBOLIC_LINK
        elif not (root / rel).is_file():
            reasons[rel] = NOT_A_FILE
        else:
            reasons[rel] = MATCHES_NO_ENTITY
    return [IgnoredFile(rel, reasons[rel]) for rel in sorted(reasons)]


def record_ignored_files(
    settings: Settings,
    specs: list[EntitySpec] | None = None,
    *,
    log: logging.Logger | None = None,
) -> list[IgnoredFile]:
    """Scan the landing zone, log every file that is not loaded and rewrite the ignored list."""
    from kernel.contracts import load_contract

    logger = log or LOGGER
    ignored = ignored_files(settings.landing_dir, specs or list(load_contract().values()))
    frame = pl.DataFrame(
        {"path": [i.path for i in ignored], "reason": [i.reason for i in ignored]},
        schema=IGNORED_SCHEMA,
    )
    target = ignored_files_path(settings)
    for stale in remove_stale_temporaries(target.parent, target.name):
        logger.info("removed stale temporary file %s (a killed run's)", stale)
    atomic_write_parquet(frame, target)
    for i in ignored:
        logger.warning("%s: ignored: %s", i.path, i.reason)
    logger.info(
        "landing zone %s: %d files not loaded (listed in meta.ignored_files)",
        settings.landing_dir,
        len(ignored),
    )
    return ignored
