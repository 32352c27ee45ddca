"""Stage 1, read: a source file becomes raw text and its checksum, or a one-line refusal."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from baocao.core.errors import BaocaoError
from baocao.reading.documents import docx_text, pdf_text

# control characters (Unicode category Cc) other than tab, line feed, form feed and carriage return
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
TEXT_SUFFIXES = {".txt", ".md", ""}
LATER_SUFFIXES = {".doc", ".odt", ".rtf"}
DOCUMENT_SUFFIXES = {".docx", ".pdf"}
# the largest source read by default: a provincial report is well under 1 MB as text, a few MB as Word or PDF
MAX_SOURCE_MB = 20
_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


@dataclass(frozen=True)
class Source:
    path: Path
    text: str
    sha256: str
    size: int


def max_source_bytes() -> int:
    """The size limit of a source: ``BAOCAO_MAX_SOURCE_MB`` (set by ``--max-source-mb``), else 20 MB."""
    value = os.environ.get("BAOCAO_MAX_SOURCE_MB", "").strip()
    try:
        megabytes = float(value) if value else MAX_SOURCE_MB
    except ValueError:
        raise BaocaoError(f"BAOCAO_MAX_SOURCE_MB={value!r} is not a number of megabytes") from None
    if not megabytes > 0:
        raise BaocaoError(f"BAOCAO_MAX_SOURCE_MB={value!r} must be more than 0")
    return int(megabytes * 1024 * 1024)


@contextlib.contextmanager
def source_limit(megabytes: float | None) -> Iterator[None]:
    """Within the block, sources may be up to ``megabytes`` (None: unchanged); worker processes inherit it."""
    previous = os.environ.get("BAOCAO_MAX_SOURCE_MB")
    if megabytes is not None:
        os.environ["BAOCAO_MAX_SOURCE_MB"] = str(megabytes)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("BAOCAO_MAX_SOURCE_MB", None)
        else:
            os.environ["BAOCAO_MAX_SOURCE_MB"] = previous


def regular_file_bytes(path: Path, limit: int, what: str = "file", hint: str = "") -> bytes:
    """The bytes of ``path``, refused in one line unless it is a regular file of at most ``limit`` bytes.

    The kind and size are checked with stat() before opening, so that a FIFO, a device
    (/dev/zero) or a socket is refused instead of hanging or filling memory, and checked
    again on the open file; any OSError (permission denied...) becomes a BaocaoError.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        reason = "a broken symbolic link" if os.path.islink(path) else "no such file"
        raise BaocaoError(reason, path) from None
    except OSError as error:
        raise BaocaoError(f"cannot read the {what}: {error.strerror or error}", path) from None
    _check_kind(path, info, limit, what, hint)
    try:
        # O_NONBLOCK: a path swapped for a FIFO after the stat() cannot block the open
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(descriptor, "rb") as handle:
            _check_kind(path, os.fstat(handle.fileno()), limit, what, hint)
            data = handle.read(limit + 1)
    except OSError as error:
        raise BaocaoError(f"cannot read the {what}: {error.strerror or error}", path) from None
    if len(data) > limit:
        raise BaocaoError(f"grew past the {_megabytes(limit)} limit while being read", path)
    return data


def _check_kind(path: Path, info: os.stat_result, limit: int, what: str, hint: str) -> None:
    if stat.S_ISDIR(info.st_mode) and what == "report":
        raise BaocaoError("is a folder, not a report file", path)
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
        raise BaocaoError(f"is {kind}, not a regular file; a {what} must be a regular file", path)
    if info.st_size > limit:
        raise BaocaoError(f"{_megabytes(info.st_size)} is over the {_megabytes(limit)} limit for a {what}{hint}", path)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def read_source(path: Path | str) -> Source:
    """Read a report as UTF-8 text, normalised to NFC with LF line ends.

    Refuses, with :class:`BaocaoError` naming the file, anything that is not a
    readable text report: a missing file, a folder, anything but a regular file (a
    FIFO, a device, a socket), a file over the size limit (:func:`max_source_bytes`),
    a file that cannot be read, an empty or blank file, a binary file, UTF-16, or
    bytes that are not UTF-8.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in LATER_SUFFIXES and path.is_file():
        raise BaocaoError(f"{suffix} reports are not supported; save the report as .docx, .pdf or UTF-8 text", path)
    raw = regular_file_bytes(
        path, max_source_bytes(), "report", "; raise it with --max-source-mb or BAOCAO_MAX_SOURCE_MB"
    )
    if suffix in DOCUMENT_SUFFIXES:
        if not raw:
            raise BaocaoError("empty file (0 bytes)", path)
        try:
            text = docx_text(path) if suffix == ".docx" else pdf_text(path)
        except OSError as error:
            raise BaocaoError(f"cannot read the report: {error.strerror or error}", path) from None
        text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
        if not text.strip():
            raise BaocaoError("no text in the document", path)
        return Source(path=path, text=text, sha256=hashlib.sha256(raw).hexdigest(), size=len(raw))
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
