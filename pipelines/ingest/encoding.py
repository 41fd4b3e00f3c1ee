"""Decode landing files with the encoding the contract declares, and detect when it lies.

ERP exports promise GBK, master data UTF-8 with a BOM; real deliveries sometimes arrive in the
other one. Decoding with the wrong codec silently turns Chinese into mojibake, so every file is
decoded explicitly here: the declared codec first, then utf-8-sig, then gb18030. A fallback is
recorded as a warning in the ledger ("declared utf-8, decoded as gb18030"). A file that no codec
decodes is rejected rather than loaded lossily.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.ingest.errors import ContractError

# GBK and GB2312 are subsets of GB18030: decoding with gb18030 accepts every GBK file and also
# the characters (e.g. rare given-name characters) that strict GBK codecs reject.
_GB_FAMILY = {"gbk", "gb2312", "cp936", "gb18030", "936"}
_UTF8_FAMILY = {"utf-8", "utf8", "utf_8"}

# Characters GBK/UTF-8 Chinese text is made of: CJK ideographs, CJK punctuation, full-width forms.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SAMPLE_CHARS = 200_000


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec that decoded the file (the declared name when it worked)
    warning: str | None
    plain_utf8: bool  # the bytes are UTF-8 without a BOM: no transcoding needed


def _codec(declared: str) -> str:
    name = declared.strip().lower().replace("_", "-")
    if name in _GB_FAMILY:
        return "gb18030"
    if name in _UTF8_FAMILY:
        return "utf-8"
    return name


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_chinese(text: str) -> bool:
    """True when most non-ASCII characters of a sample are CJK (what a UTF-8 CRM file holds)."""
    sample = text[:_SAMPLE_CHARS]
    non_ascii = len(_NON_ASCII.findall(sample))
    return non_ascii > 0 and len(_CJK.findall(sample)) >= 0.5 * non_ascii


def decode(data: bytes, declared: str, *, source: str) -> Decoded:
    """Decode ``data`` (the bytes of landing file ``source``) as the contract declares.

    Order: declared codec, utf-8-sig, gb18030. A GBK-declared file whose bytes are valid UTF-8
    full of Chinese is decoded as UTF-8 (GBK text is practically never valid UTF-8, while UTF-8
    Chinese often *is* decodable, wrongly, as GB18030).
    """
    codec = _codec(declared)
    bom = data.startswith(b"\xef\xbb\xbf")
    if data.isascii():
        return Decoded(data.decode("ascii"), declared, None, plain_utf8=True)

    if codec == "gb18030":
        utf8 = _try(data, "utf-8-sig")
        if utf8 is not None and _looks_chinese(utf8):
            used = "utf-8-sig" if bom else "utf-8"
            return Decoded(utf8, used, f"declared {declared}, decoded as {used}", not bom)

    candidates = [codec] + [c for c in ("utf-8-sig", "gb18030") if c != codec]
    if codec == "utf-8" and bom:
        candidates[0] = "utf-8-sig"  # a BOM on a UTF-8 file is harmless: strip it
    for i, candidate in enumerate(candidates):
        text = _try(data, candidate)
        if text is None:
            continue
        if candidate.startswith("utf-8"):
            used = "utf-8-sig" if bom else "utf-8"
            plain = not bom
        else:
            used, plain = candidate, False
        if i == 0:
            return Decoded(text, declared if _codec(declared) == candidate else used, None, plain)
        return Decoded(text, used, f"declared {declared}, decoded as {used}", plain)
    raise ContractError(
        f"{source}: cannot decode as {declared}, utf-8 or gb18030; "
        "ask the source for a file in its contracted encoding"
    )
