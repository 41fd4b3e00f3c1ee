"""Read one landing file into an all-string polars frame, whatever its format.

Every reader returns the same shape so typing, quarantine and lineage are written once: one
Utf8 column per column/key found in the file (original header names, extras included), the
1-based record number, and two internal columns for rows the reader could not split properly
(a CSV line cut short, a JSONL line that is not JSON). Whole-file problems (truncated JSON, a
broken workbook) raise :class:`ContractError` naming the file. The work is set-based (DuckDB
and calamine/fastexcel over the whole file), never a Python loop over rows.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from kernel.contracts import EntitySpec
from pipelines.ingest.encoding import Decoded
from pipelines.ingest.errors import ContractError
from pipelines.ingest.mapping import normalize_header

# Internal column names; no landing header looks like these.
ROW = "__ingest_row_number"
READ_ERROR = "__ingest_read_error"
RAW_TEXT = "__ingest_raw_text"
INTERNAL = (ROW, READ_ERROR, RAW_TEXT)

# Formats whose files of one batch are read together (read_json_pages); the others file by file.
READ_TOGETHER = ("json_pages",)

# A CSV row may carry this many surplus fields before the file is rejected as unparseable.
_CSV_SURPLUS_COLUMNS = 32
# Never equal to a real CSV field, so an empty field reads as "" and a missing one as NULL.
_CSV_NULL_SENTINEL = "\u2400\u2400crmlake-missing\u2400\u2400"
_XLSX_HEADER_SCAN_ROWS = 20


@dataclass
class LandingFile:
    path: Path  # absolute
    rel: str  # landing-relative posix path, as stored in _source_file
    data: bytes
    decoded: Decoded | None = None  # None for binary formats (xlsx)
    _tmp: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    def utf8_path(self) -> str:
        """A UTF-8 copy of exactly the bytes that were hashed, for DuckDB to read.

        Never the landing file itself: a re-delivery written while we load would otherwise put
        rows into raw that do not match the ``_file_hash`` they carry.
        """
        assert self.decoded is not None
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="crmlake-ingest-")
        target = Path(self._tmp.name) / "utf8"
        if not target.exists():
            plain = self.decoded.plain_utf8
            target.write_bytes(self.data if plain else self.decoded.text.encode("utf-8"))
        return str(target)

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


@dataclass(frozen=True)
class RawFrame:
    frame: pl.DataFrame  # ROW, READ_ERROR, RAW_TEXT + one Utf8 column per landing column
    columns: list[str]  # landing columns, in file order
    warnings: tuple[str, ...] = ()  # recorded in the ledger message, the file still loads

    @property
    def height(self) -> int:
        return self.frame.height


def read_file(spec: EntitySpec, f: LandingFile, con: duckdb.DuckDBPyConnection) -> RawFrame:
    readers = {
        "json_pages": _read_json_pages,
        "jsonl": _read_jsonl,
        "csv": _read_csv,
        "xlsx": _read_xlsx,
    }
    return readers[spec.format](spec, f, con)


def _unique_names(names: list[str | None]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        base = (name or "").strip() or f"column_{i + 1}"
        candidate, k = base, 1
        while candidate in seen:
            k += 1
            candidate = f"{base}_{k}"
        seen.add(candidate)
        out.append(candidate)
    return out


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else message


def _engine_reason(exc: Exception, path: str, rel: str) -> str:
    """The first line of a DuckDB/calamine error, without its class prefix or temp paths."""
    line = _first_line(str(exc)).replace(f' in file "{path}"', "").replace(path, rel)
    return re.sub(r"^[A-Za-z ]*Error: ", "", line).strip()


# ----------------------------------------------------------------------------- JSON


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _json_path(key: str) -> str:
    return _sql_string('$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"')


def _key_order(listed_rows: list[tuple[int, list[str]]], keys: list[str]) -> list[str]:
    """``keys`` in order of first appearance: by first record, then by position in that record
    (``listed_rows``: each key's first record, ascending, with the keys it lists)."""
    order: dict[str, tuple[int, int]] = {}
    for row, listed in listed_rows:
        order |= {k: (row, i) for i, k in enumerate(listed)}
    return sorted(keys, key=lambda k: order.get(k, (0, 0)))


def _objects_to_frames(
    con: duckdb.DuckDBPyConnection, table: str, files: list[int]
) -> list[RawFrame]:
    """``table`` has (file BIGINT, row BIGINT, r JSON, err VARCHAR, raw VARCHAR): one row per
    record; one frame per file of ``files``, each with only the keys its own records have."""
    first_rows = con.execute(
        f"select file, k, min(row) from (select file, row, unnest(json_keys(r)) as k "
        f"from {table}) group by file, k"
    ).fetchall()
    keys_of: dict[int, dict[str, int]] = {}
    for file, k, row in first_rows:
        keys_of.setdefault(file, {})[k] = row
    wanted = sorted({(file, row) for file, _, row in first_rows})
    listed: dict[int, list[tuple[int, list[str]]]] = {}
    if wanted:
        for file, row, keys in con.execute(
            f"select t.file, t.row, json_keys(t.r) from {table} t join (select "
            "unnest(?::BIGINT[]) as file, unnest(?::BIGINT[]) as row) w using (file, row) "
            "order by t.file, t.row",
            [[f for f, _ in wanted], [r for _, r in wanted]],
        ).fetchall():
            listed.setdefault(file, []).append((row, keys))
    columns = {i: _key_order(listed.get(i, []), list(keys_of.get(i, {}))) for i in files}
    union = list(dict.fromkeys(k for i in files for k in columns[i]))
    # one parse per record for all keys (a json_extract per key would re-parse each time)
    paths = "[" + ", ".join(_json_path(k) for k in union) + "]" if union else None
    values = f", json_extract_string(r, {paths}) as v" if paths else ""
    frame = con.execute(f"select file, row, err, raw{values} from {table} order by file, row").pl()
    frame = frame.select(
        pl.col("file"),
        pl.col("row").cast(pl.Int64).alias(ROW),
        pl.col("err").cast(pl.Utf8).alias(READ_ERROR),
        pl.col("raw").cast(pl.Utf8).alias(RAW_TEXT),
        *[pl.col("v").list.get(i, null_on_oob=True).alias(k) for i, k in enumerate(union)],
    )
    if len(files) == 1:
        parts = {(files[0],): frame.drop("file")}
    else:
        parts = frame.partition_by("file", maintain_order=True, include_key=False, as_dict=True)
    empty = frame.clear().drop("file")
    frames = []
    for i in files:
        part = parts.get((i,), empty)
        if part.columns[3:] != columns[i]:  # keys other pages of the batch have
            part = part.select(ROW, READ_ERROR, RAW_TEXT, *columns[i])
        frames.append(RawFrame(part, columns[i]))
    return frames


def _json_reason(exc: Exception) -> str:
    line = re.sub(r"^[A-Za-z ]*Error: ", "", _first_line(str(exc))).strip()
    return line.split(" Input:")[0].strip()


def read_json_pages(
    files: list[LandingFile], con: duckdb.DuckDBPyConnection
) -> list[RawFrame | ContractError]:
    """CRM query-API pages: {"totalSize", "pageNo", "pageSize", "hasMore", "records": [...]}.

    Each page is one text value and ``records`` is split with one JSON parse: an order of
    magnitude faster than ``read_json`` on large pages. The pages of a batch go through the same
    few statements together (a statement per page cost more than the page's records); a page
    that is not a readable page gets its ContractError, in the list, the others still load.
    """
    out: list[RawFrame | ContractError | None] = [None] * len(files)
    texts = pl.DataFrame(
        {"file": list(range(len(files))), "content": [f.decoded.text for f in files]},
        schema={"file": pl.Int64, "content": pl.Utf8},
    )
    again: list[int] = []  # failed as a batch: read alone, to name the page at fault
    con.register("__texts", texts)
    try:
        ok = []
        for i, valid in con.execute(
            "select file, json_valid(content) from __texts order by file"
        ).fetchall():
            if valid:
                ok.append(i)
                continue
            try:
                con.execute("select content::JSON from __texts where file = ?", [i]).fetchall()
                reason = "not valid JSON"
            except duckdb.Error as exc:
                reason = _json_reason(exc)
            out[i] = ContractError(f"{files[i].rel}: not a readable JSON page: {reason}")
        shapes = con.execute(
            "select file, json_type(content), json_type(content, '$.records') from __texts "
            "where list_contains(?::BIGINT[], file) order by file",
            [ok],
        ).fetchall()
        for i, top, records in shapes:
            if top != "OBJECT":
                out[i] = ContractError(
                    f"{files[i].rel}: a JSON page must be an object, found {top}"
                )
            elif records != "ARRAY":
                found = "none" if records is None else records
                out[i] = ContractError(
                    f"{files[i].rel}: the page has no 'records' array (found {found})"
                )
        pages = [i for i in ok if out[i] is None]
        if pages:
            try:
                con.execute(
                    """
                    create or replace temp table __records as
                    select file, row, case when t = 'OBJECT' then r end as r,
                           case when t <> 'OBJECT' then 'record is not a JSON object' end as err,
                           case when t <> 'OBJECT' then r::varchar end as raw
                    from (
                        select file, row, r, json_type(r) as t from (
                            select file, unnest(range(1, len(l) + 1)) as row, unnest(l) as r
                            from (
                                select file, json_extract(content, '$.records[*]') as l
                                from __texts where list_contains(?::BIGINT[], file)
                            )
                        )
                    )
                    """,
                    [pages],
                )
                for i, frame in zip(
                    pages, _objects_to_frames(con, "__records", pages), strict=True
                ):
                    out[i] = frame
            except duckdb.Error as exc:
                if len(pages) > 1:
                    again = pages
                else:
                    reason = _json_reason(exc)
                    out[pages[0]] = ContractError(
                        f"{files[pages[0]].rel}: not a readable JSON page: {reason}"
                    )
    finally:
        con.unregister("__texts")
        con.execute("drop table if exists __records")
    for i in again:
        out[i] = read_json_pages([files[i]], con)[0]
    return out  # type: ignore[return-value]


def _read_json_pages(spec: EntitySpec, f: LandingFile, con: duckdb.DuckDBPyConnection) -> RawFrame:
    """One CRM query-API page (see :func:`read_json_pages`)."""
    (result,) = read_json_pages([f], con)
    if isinstance(result, ContractError):
        raise result
    return result


def _read_jsonl(spec: EntitySpec, f: LandingFile, con: duckdb.DuckDBPyConnection) -> RawFrame:
    """One JSON object per line; the row number is the line number, blank lines are skipped."""
    assert f.decoded is not None
    text = f.decoded.text.removeprefix("\ufeff")
    lines = (
        pl.DataFrame({"line": text.split("\n")})
        .with_row_index("row", offset=1)
        .with_columns(pl.col("line").str.strip_suffix("\r"), pl.col("row").cast(pl.Int64))
        .filter(pl.col("line").str.strip_chars() != "")
    )
    con.register("__lines", lines)
    try:
        con.execute(
            """
            create or replace temp table __records as
            with parsed as (select row, line, try_cast(line as JSON) as j from __lines)
            select 0::BIGINT as file, row,
                   case when json_type(j) = 'OBJECT' then j end as r,
                   case when j is null then 'line is not valid JSON (cut short or malformed)'
                        when json_type(j) <> 'OBJECT' then 'line is not a JSON object' end as err,
                   case when j is null or json_type(j) <> 'OBJECT' then line end as raw
            from parsed
            """
        )
        return _objects_to_frames(con, "__records", [0])[0]
    finally:
        con.unregister("__lines")
        con.execute("drop table if exists __records")


# ----------------------------------------------------------------------------- CSV


def _read_csv(spec: EntitySpec, f: LandingFile, con: duckdb.DuckDBPyConnection) -> RawFrame:
    """Comma-separated, double-quoted, header in the first record.

    The row number is the record's position after the header (the data line, unless quoted
    fields span lines). A record with fewer fields than the header (typically the last line of
    a cut file) or more fields is kept with a read error and ends up in quarantine.
    """
    assert f.decoded is not None
    header: list[str] | None = None
    try:
        for record in csv.reader(io.StringIO(f.decoded.text.removeprefix("\ufeff"))):
            if record:
                header = record
                break
    except csv.Error as exc:
        raise ContractError(f"{f.rel}: unreadable CSV header: {exc}") from None
    if header is None:
        raise ContractError(f"{f.rel}: empty file, no header row")
    names = _unique_names(header)
    n = len(names)
    width = n + _CSV_SURPLUS_COLUMNS
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    path = f.utf8_path()
    try:
        # surplus columns are folded into two small columns inside DuckDB: converting 32
        # mostly-null columns to polars would cost more than the parse itself
        inside = [f"c{i}" for i in range(n)]
        every = "[" + ", ".join(f"c{i}" for i in range(width)) + "]"
        first = "[" + ", ".join(inside) + "]"
        frame = con.execute(
            f"""
            with parsed as (
                select * from read_csv(?, header = false, auto_detect = false,
                    columns = {columns}, delim = ',', quote = '"', escape = '"', nullstr = ?,
                    null_padding = true, parallel = false, strict_mode = true,
                    max_line_size = 67108864)
            )
            select {", ".join(inside)},
                case
                    when c{n} is not null then
                        'row has ' || len(list_filter({every}, x -> x is not null))
                        || ' fields, the header has {n}'
                    when c{n - 1} is null then
                        'row has ' || len(list_filter({first}, x -> x is not null))
                        || ' of {n} fields (line cut short or malformed)'
                end as err,
                case when c{n} is not null
                    then to_json({{'fields': list_filter({every}, x -> x is not null)}})::varchar
                end as raw
            from parsed
            """,
            [path, _CSV_NULL_SENTINEL],
        ).pl()
    except duckdb.Error as exc:
        raise ContractError(f"{f.rel}: unparseable CSV: {_csv_reason(exc, path, f.rel)}") from None

    frame = (
        frame.slice(1)  # the header record
        .with_row_index(ROW, offset=1)
        .select(
            pl.col(ROW).cast(pl.Int64),
            pl.col("err").cast(pl.Utf8).alias(READ_ERROR),
            pl.col("raw").cast(pl.Utf8).alias(RAW_TEXT),
            *[pl.col(c).alias(h) for c, h in zip(inside, names, strict=True)],
        )
    )
    warnings = ()
    text = f.decoded.text
    if frame.height and not text.endswith(("\n", "\r")) and frame[READ_ERROR][-1] is None:
        # a transfer cut exactly at a field boundary leaves a row that looks complete
        warnings = ("no line break at the end of the file: its last row may be incomplete",)
    return RawFrame(frame, names, warnings)


def _csv_reason(exc: Exception, path: str, rel: str) -> str:
    """ "file line 4: Value with unterminated quote found." from DuckDB's long CSV error."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    where = re.search(r"CSV Error on Line: (\d+)", lines[0]) if lines else None
    if where is None:
        return _engine_reason(exc, path, rel)
    # the cause is the last line before "Possible fixes" (the offending line comes before it)
    fixes = next((i for i, line in enumerate(lines) if line.startswith("Possible fixes")), None)
    detail = lines[fixes - 1] if fixes and fixes > 1 else ""
    return f"file line {where.group(1)}: {detail}".strip()


# ----------------------------------------------------------------------------- XLSX


@functools.lru_cache(maxsize=64)
def _known_headers(spec: EntitySpec) -> frozenset[str]:
    """Every header, field name and synonym of ``spec``, normalized (a header row matches them)."""
    return frozenset(
        normalize_header(t) for fs in spec.fields for t in (fs.header, fs.name, *fs.synonyms)
    )


def _read_xlsx(spec: EntitySpec, f: LandingFile, con: duckdb.DuckDBPyConnection) -> RawFrame:
    """First sheet of a partner workbook; the header row is found, not assumed.

    Partners put title lines above the table, so the header is the row (among the first 20)
    whose cells match the most contract headers/synonyms. The row number counts data rows
    after the header (blank rows count but are not loaded).
    """
    import fastexcel

    try:
        reader = fastexcel.read_excel(f.data)
        sheet = reader.load_sheet(0, header_row=None, dtypes="string")
        grid = sheet.to_polars()
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        reason = _engine_reason(exc, str(f.path), f.rel)
        raise ContractError(f"{f.rel}: unreadable XLSX workbook: {reason}") from None
    if grid.height == 0:
        raise ContractError(f"{f.rel}: the first sheet is empty, no header row")

    known = _known_headers(spec)
    head = grid.head(_XLSX_HEADER_SCAN_ROWS).rows()
    scores = [sum(1 for v in row if v is not None and normalize_header(v) in known) for row in head]
    non_empty = [i for i, row in enumerate(head) if any(v not in (None, "") for v in row)]
    if not non_empty:
        raise ContractError(f"{f.rel}: no header row in the first {_XLSX_HEADER_SCAN_ROWS} rows")
    header_index = max(non_empty, key=lambda i: (scores[i], -i))
    header = list(head[header_index])
    # drop trailing columns that have neither a header nor values (formatting leftovers)
    data = grid.slice(header_index + 1)
    keep = [
        i
        for i, c in enumerate(grid.columns)
        if header[i] not in (None, "") or data.get_column(c).is_not_null().any()
    ]
    names = _unique_names([header[i] for i in keep])
    # one plan, not an operation per step: a partner workbook has a few rows, and each eager
    # Polars operation costs about a millisecond whatever the rows
    frame = (
        data.lazy()
        .select([pl.col(grid.columns[i]).alias(name) for i, name in zip(keep, names, strict=True)])
        .with_row_index(ROW, offset=1)
        .filter(
            ~pl.all_horizontal(pl.col(names).is_null() | (pl.col(names).str.strip_chars() == ""))
        )
        .select(
            pl.col(ROW).cast(pl.Int64),
            pl.lit(None, pl.Utf8).alias(READ_ERROR),
            pl.lit(None, pl.Utf8).alias(RAW_TEXT),
            *names,
        )
        .collect()
    )
    return RawFrame(frame, names)
