"""Stage 1, read: a source file becomes raw text and its checksum, or a one-line refusal."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from baocao.documents import docx_text, pdf_text
from baocao.errors import BaocaoError

# control characters (Unicode category Cc) other than tab, line feed, form feed and carriage return
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
TEXT_SUFFIXES = {".txt", ".md", ""}
LATER_SUFFIXES = {".doc", ".odt", ".rtf"}
DOCUMENT_SUFFIXES = {".docx", ".pdf"}


@dataclass(frozen=True)
class Source:
    path: Path
    text: str
    sha256: str
    size: int


def read_source(path: Path | str) -> Source:
    """Read a report as UTF-8 text, normalised to NFC with LF line ends.

    Refuses, with :class:`BaocaoError` naming the file, anything that is not a
    readable text report: a missing file, a folder, an empty or blank file, a
    binary file, UTF-16, or bytes that are not UTF-8.
    """
    path = Path(path)
    if not path.exists():
        raise BaocaoError("no such file", path)
    if path.is_dir():
        raise BaocaoError("is a folder, not a report file", path)
    suffix = path.suffix.lower()
    if suffix in LATER_SUFFIXES:
        raise BaocaoError(f"{suffix} reports are not supported; save the report as .docx, .pdf or UTF-8 text", path)
    if suffix in DOCUMENT_SUFFIXES:
        raw = path.read_bytes()
        if not raw:
            raise BaocaoError("empty file (0 bytes)", path)
        text = docx_text(path) if suffix == ".docx" else pdf_text(path)
        text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
        if not text.strip():
            raise BaocaoError("no text in the document", path)
        return Source(path=path, text=text, sha256=hashlib.sha256(raw).hexdigest(), size=len(raw))
    raw = path.read_bytes()
    data = raw
    if not data:
        raise BaocaoError("empty file (0 bytes)", path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BaocaoError("is UTF-16 encoded; save it as UTF-8 text", path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BaocaoError(f"binary file (NUL byte at offset {nul}), not a text report", path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        legacy = _legacy_vietnamese(data)
        hint = f"; it reads as {legacy}" if legacy else ""
        raise BaocaoError(
            f"not UTF-8 text (invalid byte 0x{data[error.start]:02x} at offset {error.start}, line {line}{hint}); "
            "re-save the report as UTF-8",
            path,
        ) from None
    bad = _CONTROL.search(text)
    if bad is not None:
        raise BaocaoError(f"binary content (control character U+{ord(bad.group()):04X}), not a text report", path)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise BaocaoError("blank file (only white space)", path)
    return Source(path=path, text=text, sha256=hashlib.sha256(raw).hexdigest(), size=len(raw))


_VIETNAMESE_MARKS = set("ăâđêôơưĂÂĐÊÔƠƯ\u0300\u0301\u0303\u0309\u0323")


def _legacy_vietnamese(data: bytes) -> str | None:
    """Name the legacy encoding a non-UTF-8 report was saved in, if it reads as Vietnamese in it."""
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        return None
    letters = sum(ch in _VIETNAMESE_MARKS for ch in text)
    return "Windows-1258 (Vietnamese ANSI)" if letters >= 3 else None
