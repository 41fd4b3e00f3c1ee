"""CSV and XLSX downloads that a spreadsheet cannot turn into formulas (OWASP CSV injection).

Text in an export comes from outside: company names typed by reps, a partner's own sales report,
ERP descriptions. Excel, WPS and LibreOffice evaluate a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula (``=HYPERLINK(...)``, DDE payloads). So every text
cell that starts with one of those gets a leading apostrophe, which spreadsheets show as plain
text; numbers and dates stay typed. XLSX is also written with formula and URL conversion off, so
no string ever becomes a formula or a link even if one slipped past. Every download button of
the apps goes through here; Streamlit's own table download is switched off
(``client.disableDataExport`` in ``.streamlit/config.toml``) because it escapes nothing.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from apps import display

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: object) -> object:
    """The text with an apostrophe in front if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) neutralised; numbers untouched."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe


def sheet_name(name: object) -> str:
    """A sheet name Excel accepts: no ``[]:*?/\\``, at most 31 characters, never empty."""
    cleaned = _SHEET_FORBIDDEN.sub("_", str(name)).strip("'")[:31]
    return cleaned or "sheet"


def to_csv(frame: pd.DataFrame, *, for_people: bool = False) -> bytes:
    """RFC 4180 (CRLF, so a CR or LF inside a value is quoted) in UTF-8 with a BOM for Excel;
    ``for_people``: Chinese headers, codes as labels, ids as text (``display.for_export``)."""
    if for_people:
        frame = display.for_export(frame)[0]
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx(frames: dict[str, pd.DataFrame], *, for_people: bool = False) -> bytes:
    """One sheet per frame; strings are always written as strings, never formulas or links.
    ``for_people``: Chinese headers, codes as labels, and each column typed for Excel: ¥ amounts
    with separators, percentages, whole counts, dates without times, ids as text (no 1E+12)."""
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options},
                        date_format="yyyy-mm-dd", datetime_format="yyyy-mm-dd hh:mm") as writer:
        for name, frame in frames.items():
            kinds: dict[str, str] = {}
            if for_people:
                frame, kinds = display.for_export(frame)
            safe = neutralise_frame(frame)
            safe.to_excel(writer, sheet_name=sheet_name(name), index=False)
            if for_people:
                _format_columns(writer, writer.sheets[sheet_name(name)], safe, list(kinds.values()))
    return buffer.getvalue()


def _format_columns(writer: pd.ExcelWriter, sheet, frame: pd.DataFrame, kinds: list[str]) -> None:
    """Number format and a readable width per column (the header row stays as written)."""
    book = writer.book
    for position, (header, what) in enumerate(zip(frame.columns, kinds, strict=True)):
        number_format = display.XLSX_FORMATS.get(what)
        cell_format = book.add_format({"num_format": number_format}) if number_format else None
        width = max([len(str(header)) * 2, 10, *(len(str(v)) for v in frame[header].head(50))])
        sheet.set_column(position, position, min(width + 2, 60), cell_format)


_FILE_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def file_stem(name: object) -> str:
    """A download's file name (without extension) from people's names: no path separators or
    characters a file system refuses, spaces as underscores, at most 120 characters."""
    cleaned = _FILE_FORBIDDEN.sub("_", str(name)).strip(" ._")
    return re.sub(r"\s+", "_", cleaned)[:120] or "export"


def to_statements_xlsx(summary: pd.DataFrame, lines: pd.DataFrame, person_columns: tuple[str, ...]) -> bytes:
    """Every statement of a period in one XLSX: a summary sheet (one row per person) and one sheet
    of all lines with the person's columns first, typed and injection-safe like every export."""
    ordered = lines[[*person_columns, *(c for c in lines.columns if c not in person_columns)]]
    return to_xlsx({"汇总 summary": summary, "明细 lines": ordered}, for_people=True)


def to_settlement_xlsx(summary: pd.DataFrame, lines: pd.DataFrame, payouts: pd.DataFrame,
                       disputes: pd.DataFrame) -> bytes:
    """A partner statement as settled (渠道结算单): the figures, the lines with their agreed amounts,
    the payout lines and the disputes with their answers; typed and injection-safe like every
    export (a partner's typed customer names and dispute reasons are untrusted text)."""
    return to_xlsx({"结算 settlement": summary, "明细 lines": lines, "付款 payouts": payouts,
                    "异议 disputes": disputes}, for_people=True)


def to_payables_xlsx(payables: pd.DataFrame) -> bytes:
    """Statements released as payable (应付), one row each, for the payment run."""
    return to_xlsx({"应付 payables": payables}, for_people=True)
