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


def _objects_to_frame(con: duckdb.DuckDBPyConnection, table: str) -> RawFrame:
    """``table`` has (row BIGINT, r JSON, err VARCHAR, raw VARCHAR): one row per record."""
    # keys in order of first appearance: by first record, then by position in that record
    first_rows = con.execute(
        f"select k, min(row) from (select row, unnest(json_keys(r)) as k from {table}) group by k"
    ).fetchall()
    order: dict[str, tuple[int, int]] = {}
    for row in sorted({r for _, r in first_rows}):
        (listed,) = con.execute(f"select json_keys(r) from {table} where row = ?", [row]).fetchone()
        order |= {k: (row, i) for i, k in enumerate(listed)}
    keys = sorted((k for k, _ in first_rows), key=lambda k: order.get(k, (0, 0)))
    # one parse per record for all keys (a json_extract per key would re-parse each time)
    paths = "[" + ", ".join(_json_path(k) for k in keys) + "]" if keys else None
    values = f", json_extract_string(r, {paths}) as v" if paths else ""
    frame = con.execute(f"select row, err, raw{values} from {table} order by row").pl()
    split = [pl.col("v").list.get(i, null_on_oob=True).alias(k) for i, k in enumerate(keys)]
    frame = frame.select(
        pl.col("row").cast(pl.Int64).alias(ROW),
        pl.col("err").cast(pl.Utf8).alias(READ_ERROR),
        pl.col("raw").cast(pl.Utf8).alias(RAW_TEXT),
        *split,
    )
    return RawFrame(frame, keys)


def _read_json_pages(spec: EntitySpec, f: LandingFile, con: duckdb.DuckDBPyConnection) -> RawFrame:
    """A CRM query-API page: {"totalSize", "pageNo", "pageSize", "hasMore", "records": [...]}.

    The page is read as one text value and ``records`` split with one JSON parse: an order of
    magnitude faster than ``read_json`` on large pages.
    """
    path = f.utf8_path()
    try:
        con.execute(
            "create or replace temp table __page as select content from read_text(?)", [path]
        )
        (valid,) = con.execute("select json_valid(content) from __page").fetchone()
        if not valid:
            try:
                con.execute("select content::JSON from __page").fetchall()
                reason = "not valid JSON"
            except duckdb.Error as exc:
                reason = _engine_reason(exc, path, f.rel).split(" Input:")[0].strip()
            raise ContractError(f"{f.rel}: not a readable JSON page: {reason}")
        top, records = con.execute(
            "select json_type(content), json_type(content, '$.records') from __page"
        ).fetchone()
        if top != "OBJECT":
            raise ContractError(f"{f.rel}: a JSON page must be an object, found {top}")
        if records != "ARRAY":
            found = "none" if records is None else records
            raise ContractError(f"{f.rel}: the page has no 'records' array (found {found})")
        con.execute(
            """
            create or replace temp table __records as
            select row, case when t = 'OBJECT' then r end as r,
                   case when t <> 'OBJECT' then 'record is not a JSON object' end as err,
                   case when t <> 'OBJECT' then r::varchar end as raw
            from (
                select row, r, json_type(r) as t from (
                    select unnest(range(1, len(l) + 1)) as row, unnest(l) as r
                    from (select json_extract(content, '$.records[*]') as l from __page)
                )
            )
            """
        )
        return _objects_to_frame(con, "__records")
    except duckdb.Error as exc:
        reason = _engine_reason(exc, path, f.rel).split(" Input:")[0].strip()
        raise ContractError(f"{f.rel}: not a readable JSON page: {reason}") from None
    finally:
        con.execute("drop table if exists __records; drop table if exists __page")


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
            select row,
                   case when json_type(j) = 'OBJECT' then j end as r,
                   case when j is null then 'line is not valid JSON (cut short or malformed)'
                        when json_type(j) <> 'OBJECT' then 'line is not a JSON object' end as err,
                   case when j is null or json_type(j) <> 'OBJECT' then line end as raw
            from parsed
            """
        )
        return _objects_to_frame(con, "__records")
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

    known = {normalize_header(t) for fs in spec.fields for t in (fs.header, fs.name, *fs.synonyms)}
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
    data = data.select(
        [pl.col(grid.columns[i]).alias(name) for i, name in zip(keep, names, strict=True)]
    )
    blank = pl.all_horizontal(
        [pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in names]
    )
    frame = (
        data.with_row_index(ROW, offset=1)
        .filter(~blank)
        .with_columns(
            pl.col(ROW).cast(pl.Int64),
            pl.lit(None, pl.Utf8).alias(READ_ERROR),
            pl.lit(None, pl.Utf8).alias(RAW_TEXT),
        )
        .select(ROW, READ_ERROR, RAW_TEXT, *names)
    )
    return RawFrame(frame, names)
