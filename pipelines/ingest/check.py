"""``crmlake check``: would this landing zone load, and what would it give, without loading it.

A company preparing its own extracts wants to know before a run which files the contract
rejects, which rows would go to quarantine and why, which files sit where no contract path looks,
and which capabilities the entities it does not deliver switch off. Every file is read and typed
by the loader's own code (:func:`pipelines.ingest.loader.evaluate_file`), so the verdicts are the
ones a real load gives; nothing is written (no raw, quarantine or ledger), and the ledger is not
consulted: every file is judged as a first delivery.
"""

from __future__ import annotations

import difflib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import polars as pl

from kernel.capabilities import CAPABILITIES, capabilities_needing, disabled_by
from kernel.contracts import EntitySpec, load_contract
from pipelines import duckdb_session
from pipelines.ingest.landing import HIDDEN, SYMBOLIC_LINK, IgnoredFile, ignored_files, scan
from pipelines.ingest.layout import file_key
from pipelines.ingest.loader import FileOutcome, evaluate_file

SAMPLE_ROWS = 5


@dataclass
class RowProblem:
    row: int  # as in _row_number: the data row after the header, the record or the line
    field: str | None
    value: str | None
    reason: str


@dataclass
class FileCheck:
    source_file: str  # relative to the landing root
    # ok | quarantine (some rows) | rejected (the whole file) | symlink | refused (never read:
    # outside the landing root, not a regular file)
    status: str
    rows_read: int = 0
    rows_loadable: int = 0
    rows_quarantined: int = 0
    encoding: str | None = None
    error: str | None = None  # why the whole file would be rejected
    warning: str | None = None  # loads, but worth knowing (encoding fallback, no final newline)
    row_problems: list[RowProblem] = field(default_factory=list)  # the first SAMPLE_ROWS

    @property
    def not_loaded(self) -> bool:
        return self.status in ("rejected", "symlink", "refused")


@dataclass
class EntityCheck:
    entity: str
    path: str  # the contract glob
    files: list[FileCheck] = field(default_factory=list)
    disables: dict[str, list[str]] = field(default_factory=dict)  # capability -> reasons
    would_improve: list[str] = field(default_factory=list)  # computable, better with it

    @property
    def delivered(self) -> bool:
        """At least one row would load (files that are all rejected deliver nothing)."""
        return self.rows_loadable > 0

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loadable(self) -> int:
        return sum(f.rows_loadable for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def files_rejected(self) -> int:
        return sum(1 for f in self.files if f.not_loaded)


@dataclass
class UnmatchedFile:
    path: str
    hint: str | None  # the entity it probably meant, and that entity's path


@dataclass
class CheckReport:
    landing_dir: str
    entities: list[EntityCheck]
    unmatched: list[UnmatchedFile]
    capabilities: dict[str, list[str]]  # every capability -> reasons it is not computable
    elapsed_seconds: float = 0.0
    # every file that would not be loaded, and why (what meta.ignored_files will list)
    ignored: list[IgnoredFile] = field(default_factory=list)

    @property
    def files(self) -> list[FileCheck]:
        return [f for e in self.entities for f in e.files]

    @property
    def exit_code(self) -> int:
        """1 when any file would not load as a whole; quarantined rows are not an error."""
        return 1 if any(f.not_loaded for f in self.files) else 0

    def to_dict(self) -> dict:
        files = self.files
        return {
            "landing_dir": self.landing_dir,
            "exit_code": self.exit_code,
            "summary": {
                "entities": len(self.entities),
                "entities_delivered": sum(1 for e in self.entities if e.delivered),
                "files": len(files),
                "files_rejected": sum(1 for f in files if f.not_loaded),
                "rows_read": sum(f.rows_read for f in files),
                "rows_loadable": sum(f.rows_loadable for f in files),
                "rows_quarantined": sum(f.rows_quarantined for f in files),
                "unmatched_files": len(self.unmatched),
                "ignored_files": len(self.ignored),
                "elapsed_seconds": round(self.elapsed_seconds, 3),
            },
            "entities": [
                {
                    "entity": e.entity,
                    "path": e.path,
                    "delivered": e.delivered,
                    "files": len(e.files),
                    "rows_read": e.rows_read,
                    "rows_loadable": e.rows_loadable,
                    "rows_quarantined": e.rows_quarantined,
                    "files_rejected": e.files_rejected,
                    "disables": e.disables,
                    "would_improve": e.would_improve,
                    "file_checks": [_file_dict(f) for f in e.files],
                }
                for e in self.entities
            ],
            "unmatched": [asdict(u) for u in self.unmatched],
            "ignored": [asdict(i) for i in self.ignored],
            "capabilities": [
                {
                    "capability": c.key,
                    "label": c.label,
                    "computable": not self.capabilities.get(c.key),
                    "reasons": self.capabilities.get(c.key, []),
                }
                for c in CAPABILITIES
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def _file_dict(f: FileCheck) -> dict:
    d = asdict(f)
    d["row_problems"] = [asdict(p) for p in f.row_problems]
    return d


def check_landing(landing_dir: Path, contract: dict[str, EntitySpec] | None = None) -> CheckReport:
    """Judge every file of ``landing_dir`` against the contract, loading nothing."""
    started = time.monotonic()
    root = Path(landing_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"landing directory {root} does not exist")
    contract = contract or load_contract()
    entities: list[EntityCheck] = []
    claimed: set[str] = set()  # every path some entity's glob matched
    scans = []
    con = duckdb_session.connect()
    try:
        for spec in contract.values():
            found = scan(spec, root)
            scans.append(found)
            check = EntityCheck(spec.qualified_name, spec.path)
            keys: dict[str, str] = {}
            for path, rel in found.files:
                claimed.add(rel)
                clash = keys.setdefault(file_key(rel), rel)
                outcome = evaluate_file(
                    spec, path, rel, con, clashes_with=clash if clash != rel else None
                )
                check.files.append(_file_check(rel, outcome))
            for rel, reason in found.refused:
                claimed.add(rel)
                if reason == HIDDEN:  # an open workbook's lock file: listed, not an error
                    continue
                check.files.append(
                    FileCheck(
                        rel,
                        "symlink" if reason == SYMBOLIC_LINK else "refused",
                        error=f"{rel}: {reason} (the loader skips it); deliver the file itself",
                    )
                )
            entities.append(check)
    finally:
        con.close()

    delivered = {e.entity for e in entities if e.delivered}
    disabled = disabled_by(delivered)
    for e in entities:
        if e.delivered:
            continue
        for cap in capabilities_needing(e.entity):
            if cap.key in disabled:
                e.disables[cap.key] = disabled[cap.key]
        e.would_improve = [
            c.key for c in CAPABILITIES if c.key not in disabled and e.entity in c.improves
        ]
    ignored = ignored_files(root, list(contract.values()), scans)
    unmatched = [
        UnmatchedFile(i.path, _hint(i.path, contract.values()))
        for i in ignored
        if i.path not in claimed
    ]
    return CheckReport(
        landing_dir=str(root),
        entities=entities,
        unmatched=unmatched,
        capabilities=disabled,
        elapsed_seconds=time.monotonic() - started,
        ignored=ignored,
    )


def _file_check(rel: str, outcome: FileOutcome) -> FileCheck:
    status = "rejected" if outcome.error else ("quarantine" if outcome.rows_quarantined else "ok")
    return FileCheck(
        source_file=rel,
        status=status,
        rows_read=outcome.rows_read,
        rows_loadable=outcome.rows_loaded,
        rows_quarantined=outcome.rows_quarantined,
        encoding=outcome.encoding,
        error=outcome.error,
        warning=outcome.warning,
        # a rejected file's rows all carry the file's reason: the sample would only repeat it
        row_problems=[] if outcome.error else _sample(outcome.quarantine, outcome.columns or {}),
    )


SHOWN_CHARACTERS = 80  # of a bad value in the report: an endless field must not flood the terminal


def _abbreviated(text: str) -> str:
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return f"{text[:SHOWN_CHARACTERS]}… ({len(text):,} characters)"


def _sample(quarantine: pl.DataFrame, columns: dict[str, str | None]) -> list[RowProblem]:
    """The first rows of a quarantine frame, with the offending value read from the raw record."""
    rows = quarantine.filter(pl.col("_row_number") > 0).sort("_row_number").head(SAMPLE_ROWS)
    problems = []
    for r in rows.iter_rows(named=True):
        first = (r["field"] or "").split(", ")[0] or None
        value = None
        raw = r["raw_record"]
        if first is not None and raw:
            try:
                record = json.loads(raw)
            except ValueError:
                record = None
            column = columns.get(first)
            if isinstance(record, dict) and column is not None:
                value = record.get(column)
        elif raw:  # the reader could not split the record: show what it saw
            value = raw[:120]
        shown = None if value is None else _abbreviated(str(value))
        problems.append(RowProblem(r["_row_number"], r["field"], shown, r["reason"]))
    return problems


def _hint(rel: str, specs) -> str | None:
    """The entity a stray file most likely meant: same or similar folder, or same name shape."""
    parts = PurePosixPath(rel).parts
    folder = "/".join(parts[:2])
    best, score = None, 0.0
    for spec in specs:
        their = "/".join(PurePosixPath(spec.path).parts[:2])
        ratio = difflib.SequenceMatcher(None, folder, their).ratio()
        if ratio > score:
            best, score = spec, ratio
    if best is None or score < 0.75:
        return None
    return f"{best.qualified_name}? its files go to {best.path}"


# ----------------------------------------------------------------------------- text


def _n(value: int) -> str:
    return f"{value:,}"


def format_report(report: CheckReport) -> str:
    """The human-readable table ``crmlake check`` prints."""
    d = report.to_dict()
    s = d["summary"]
    lines = [
        f"crmlake check {report.landing_dir}",
        f"  {s['entities_delivered']} of {s['entities']} entities delivered 已交付, "
        f"{_n(s['files'])} files 文件, {_n(s['rows_read'])} rows read 读取, "
        f"{_n(s['rows_quarantined'])} would be quarantined 隔离, "
        f"{_n(s['files_rejected'])} files would be rejected 拒收 "
        f"({s['elapsed_seconds']:.1f}s)",
        "",
    ]
    width = max(len(e.entity) for e in report.entities)
    lines.append(
        f"{'entity 实体':<{width}}  {'delivered 交付':<14} {'files 文件':>10} "
        f"{'rows 读取':>12} {'quarantined 隔离':>16} {'rejected 拒收':>13}"
    )
    for e in report.entities:
        if not e.files:
            mark = "no 未交付"
        elif e.delivered:
            mark = "yes 是"
        else:
            mark = "NO ROWS 无可用行"
        lines.append(
            f"{e.entity:<{width}}  {mark:<14} {_n(len(e.files)):>10} {_n(e.rows_read):>12} "
            f"{_n(e.rows_quarantined):>16} {_n(e.files_rejected):>13}"
        )

    problems = [f for f in report.files if f.status != "ok" or f.warning]
    if problems:
        lines += ["", "File problems 文件问题:"]
    for f in problems:
        if f.not_loaded:
            lines.append(f"  REJECTED 拒收 {f.error}")
        elif f.status == "quarantine":
            lines.append(
                f"  {f.source_file}: {_n(f.rows_quarantined)} of {_n(f.rows_read)} rows would be "
                f"quarantined 行隔离 (first {len(f.row_problems)}):"
            )
            for p in f.row_problems:
                value = "" if p.value is None else f" value {p.value!r}"
                lines.append(f"      row {p.row} field {p.field or '-'}{value}: {p.reason}")
        if f.warning and not f.not_loaded:
            lines.append(f"  warning 警告 {f.source_file}: {f.warning}")

    if report.unmatched:
        lines += ["", "Files matching no contract path 未匹配合同路径的文件 (not loaded):"]
        for u in report.unmatched:
            lines.append(f"  {u.path}" + (f"  -> {u.hint}" if u.hint else ""))

    if report.ignored:
        lines += ["", "Files that will not be loaded 不会加载的文件 (meta.ignored_files):"]
        lines += [f"  {i.path}: ignored: {i.reason}" for i in report.ignored]

    lines += ["", "Capabilities 功能:"]
    for c in d["capabilities"]:
        verdict = (
            "ok 可计算" if c["computable"] else "not computed 不计算: " + "; ".join(c["reasons"])
        )
        lines.append(f"  {c['capability']:<38} {verdict}")

    lines.append("")
    if report.exit_code:
        lines.append(
            "Verdict 结论: some files would be rejected as a whole; fix them before loading."
        )
    else:
        lines.append("Verdict 结论: every file would load (quarantined rows are listed above).")
    return "\n".join(lines)
