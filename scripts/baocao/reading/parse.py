"""Stage 2, parse: raw report text becomes a document of parts, sections and paragraphs.

The clean text of each section is what every later offset points into. Parsing
repairs what printing and copying did to the text:

* a paragraph cut by a page break (it ends mid-sentence and goes on, after a blank
  line or a block of footnotes, in lower case, with a digit, or inside an open
  bracket) is joined back into one paragraph; a word broken after a hyphen
  (``NQ-`` / ``HĐND``) is joined without a space;
* footnote bodies (``¹ ...``) are lifted out of the body wherever they were
  printed, and their markers are removed from the text (``02²/06`` reads
  ``02/06``) and remembered with their offsets;
* Markdown emphasis (``**``, ``*...*``) is removed;
* the addressee list (``Nơi nhận:``) and the signature block are kept as
  metadata, not as sections;
* a section number printed twice gets a distinct id (``I.2.4_2``) and the
  duplication is recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from baocao.core.errors import BaocaoError
from baocao.core.normalize import displayed_as_stored, strip_invisible, unglue_numbers
from baocao.reading.lines import (  # noqa: F401  (heading and strip_markdown: part of what parse offers)
    BULLET,
    PARAGRAPH,
    SUB_BULLET,
    Footnote,
    Repair,
    Unit,
    _heading,
    read_units,
    strip_markdown,
    superscript_number,
)

_CLOSING = re.compile(r"^Nơi nhận\s*:?\s*$", re.IGNORECASE)
_SYMBOL_LINE = re.compile(r"^Số\s*:\s*(.*)$")
_PLACE_DATE = re.compile(r"^([^,]{2,40}),\s*ngày\b(.*)$")
_ADDRESSEE = re.compile(r"^Kính gửi\s*:\s*(.+)$")
_NATIONAL_MOTTO = re.compile(r"^CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\b", re.IGNORECASE)
# the header's chrome, also where a two-column header puts it beside the issuer or the number on one line:
# the national name and motto, and rules drawn under them
_CHROME = re.compile(
    r"CỘNG\s+H(?:ÒA|OÀ)\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM|Độc\s+lập\s*[-–—]\s*Tự\s+do\s*[-–—]\s*Hạnh\s+phúc"
    r"|^[-_=*~.\s]{3,}$",
    re.IGNORECASE,
)
# "Số: 215/BC-UBND Lào Cai, ngày 24 tháng 6 năm 2025": the number, then the place and date of the other column
_SYMBOL_AND_DATE = re.compile(r"^(Số\s*:\s*\S+)\s+(\S[^,]{1,39},\s*ngày\b.*)$")
# the issuing body's lines above the document's kind: ỦY BAN NHÂN DÂN / TỈNH LÀO CAI, CỤC THỐNG KÊ ...
_ISSUER_LINE = re.compile(
    r"^(?:(?:ỦY|UỶ)\s+BAN\s+NHÂN\s+DÂN|HỘI\s+ĐỒNG\s+NHÂN\s+DÂN|(?:TỔNG\s+)?CỤC\s+THỐNG\s+KÊ|THỐNG\s+KÊ|TỈNH|THÀNH\s+PHỐ|SỞ|BỘ)\b"
)
SIGNATURE_MAX_LINES = 60
SIGNATURE_MAX_CHARS = 4000


@dataclass
class Paragraph:
    kind: str
    text: str
    line: int
    start: int = 0  # offsets in the section's clean text, set when the section is closed
    end: int = 0


@dataclass
class Section:
    section_id: str
    kind: str  # preamble, part, section
    number: str
    title: str
    level: int
    parent_id: str | None
    line: int
    occurrence: int = 1
    paragraphs: list[Paragraph] = field(default_factory=list)
    text: str = ""


@dataclass
class Document:
    header: dict[str, str | None]
    sections: list[Section]
    footnotes: list[Footnote]
    recipients: list[str]
    signature: list[str]
    repairs: list[Repair]
    duplicate_numbers: list[tuple[str, list[str]]]
    markdown_removed: int
    warnings: list[str]
    headings: int = 0  # numbered headings found; 0: the report is read as one section

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.section_id == section_id:
                return section
        raise KeyError(section_id)


def parse_document(text: str, source: object = "<text>") -> Document:
    """Parse a report's raw text. Raises :class:`BaocaoError` naming ``source``."""
    text, warnings = displayed_as_stored(strip_invisible(text))
    text, markdown_removed = strip_markdown(unglue_numbers(text))
    lines = text.split("\n")
    mottos = [i for i, line in enumerate(lines) if _NATIONAL_MOTTO.match(line.strip())]
    if len(mottos) > 1:
        raise BaocaoError(
            f"a second report header (line {mottos[1] + 1}) in the same file: give each report its own file", source
        )
    lines, recipients, signature = _closing(lines, source)
    units, footnotes, repairs = read_units(lines, warnings)
    if not units:
        raise BaocaoError("no text before 'Nơi nhận:'", source)
    headings = sum(u.kind == "heading" for u in units)
    first_heading = next((i for i, u in enumerate(units) if u.kind == "heading"), len(units))
    if not headings:
        warnings.append("no numbered headings: the report is read as one section")
    header, preamble = _header(units[:first_heading])
    outline = _Outline()
    outline.read(preamble, units[first_heading:], headings)
    outline.close(footnotes, warnings)
    numbers = [f.number for f in footnotes]
    if len(set(numbers)) != len(numbers):
        raise BaocaoError(f"footnote numbers repeat: {numbers}", source)
    return Document(
        header=header,
        sections=outline.sections,
        footnotes=footnotes,
        recipients=recipients,
        signature=signature,
        repairs=repairs,
        duplicate_numbers=sorted(outline.duplicates.items()),
        markdown_removed=markdown_removed,
        warnings=warnings,
        headings=headings,
    )


def _closing(lines: list[str], source: object) -> tuple[list[str], list[str], list[str]]:
    """The lines before "Nơi nhận:", and after it the addressee list and the signature."""
    recipients: list[str] = []
    signature: list[str] = []
    for index, line in enumerate(lines):
        if not _CLOSING.match(line.strip()):
            continue
        for rest in lines[index + 1 :]:
            rest = rest.strip()
            if not rest:
                continue
            if rest.startswith(("-", "+", "•")):
                recipients.append(rest.lstrip("-+• ").strip())
            else:
                signature.append(rest)
        closing = len(signature) + len(recipients)
        if closing > SIGNATURE_MAX_LINES or sum(map(len, signature)) > SIGNATURE_MAX_CHARS:
            raise BaocaoError(
                f"{closing} lines after 'Nơi nhận:' (line {index + 1}): that is not the addressee list "
                "and signature of one report",
                source,
            )
        return lines[:index], recipients, signature
    return lines, recipients, signature


def _header_pieces(text: str) -> list[str]:
    """A header unit as the lines of its columns: without the national name and motto, and the
    number apart from the place and date that a two-column header prints beside it."""
    pieces = []
    for piece in _CHROME.split(text):
        piece = piece.strip()
        if not piece:
            continue
        match = _SYMBOL_AND_DATE.match(piece)
        pieces.extend(match.groups() if match else [piece])
    return pieces


def _header(units: list[Unit]) -> tuple[dict[str, str | None], list[Unit]]:
    """The header (issuer, symbol, place and date, kind, title, addressee) of the units before the first
    heading, and the preamble: the rest of them."""
    header: dict[str, str | None] = dict.fromkeys(
        ("issuer_text", "document_symbol", "place", "date_text", "document_type", "title", "addressee")
    )
    preamble: list[Unit] = []
    title_lines: list[str] = []
    issuer_lines: list[str] = []
    for unit in units:
        pieces = _header_pieces(unit.text) if not preamble else [unit.text]
        if not pieces and not preamble:
            continue  # chrome only
        for t in pieces:
            if (m := _SYMBOL_LINE.match(t)) and header["document_symbol"] is None:
                header["document_symbol"] = m.group(1).strip() or None
            elif (m := _PLACE_DATE.match(t)) and header["place"] is None and len(t) < 80:
                header["place"] = m.group(1).strip()
                header["date_text"] = t[len(m.group(1)) + 1 :].strip()
            elif (m := _ADDRESSEE.match(t)) and header["addressee"] is None:
                header["addressee"] = m.group(1).strip()
            elif header["document_type"] is None and not title_lines and t.isupper() and _ISSUER_LINE.match(t):
                issuer_lines.append(t)
            elif header["document_type"] is None and not title_lines and t.isupper() and len(t) < 40:
                header["document_type"] = t
            elif (
                (header["document_type"] is not None or issuer_lines)
                and header["addressee"] is None
                and not preamble
                and _title_line(t, title_lines)
            ):
                title_lines.append(t)
            else:
                preamble.append(unit)
                break
    header["title"] = " ".join(title_lines) or None
    header["issuer_text"] = " ".join(issuer_lines) or None
    return header, preamble


class _Outline:
    """The sections of a report, built from its units: parts, numbered sections, preamble and footnotes."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.duplicates: dict[str, list[str]] = {}
        self._seen: dict[str, int] = {}
        self._unit_of: dict[int, Unit] = {}

    def _open(self, section: Section) -> Section:
        """A new section; a number printed twice gets a distinct id (I.2.4_2), recorded."""
        base = section.section_id
        count = self._seen.get(base, 0) + 1
        self._seen[base] = count
        if count > 1:
            section.section_id = f"{base}_{count}"
            section.occurrence = count
            self.duplicates.setdefault(base, [base]).append(section.section_id)
        self.sections.append(section)
        return section

    def _add(self, section: Section, unit: Unit) -> None:
        paragraph = Paragraph(unit.kind, unit.text, unit.line)
        section.paragraphs.append(paragraph)
        self._unit_of[id(paragraph)] = unit

    def read(self, preamble: list[Unit], units: list[Unit], headings: int) -> None:
        current: Section | None = None
        if preamble:
            kind = "preamble" if headings else "body"
            current = self._open(Section(kind, kind, "", "", 0, None, preamble[0].line))
            for unit in preamble:
                self._add(current, unit)
        part: Section | None = None
        division: Section | None = None
        latest: dict[str, str] = {}  # number -> section id, within the current part
        for unit in units:
            if unit.kind != "heading":
                assert current is not None
                self._add(current, unit)
                continue
            kind, number, title = unit.heading  # type: ignore[misc]
            if kind == "division":  # "Phần thứ hai", "B.": above the parts, id P2, PB
                division = current = self._open(Section(f"P{number}", "division", number, title, 0, None, unit.line))
                part, latest = None, {}
                continue
            if kind == "part":
                parent = division.section_id if division else None
                part = current = self._open(Section(number, "part", number, title, 1, parent, unit.line))
                latest = {}
                continue
            prefix = f"{part.number}." if part else ""
            depth = number.count(".") + 1
            parent_number = number.rsplit(".", 1)[0] if "." in number else None
            parent_id = latest.get(parent_number) if parent_number else None
            if parent_id is None:
                parent_id = part.section_id if part else (division.section_id if division else None)
            current = self._open(
                Section(prefix + number, "section", number, title, depth + (1 if part else 0), parent_id, unit.line)
            )
            latest[number] = current.section_id

    def close(self, footnotes: list[Footnote], warnings: list[str]) -> None:
        """Each section's clean text, its paragraphs' offsets, its footnote markers linked; footnotes last."""
        footnote_by_number = {f.number: f for f in footnotes}
        for section in self.sections:
            pieces = []
            offset = 0
            for paragraph in section.paragraphs:
                prefix = {BULLET: "- ", SUB_BULLET: "+ "}.get(paragraph.kind, "")
                paragraph.start = offset + len(prefix)
                paragraph.end = paragraph.start + len(paragraph.text)
                pieces.append(prefix + paragraph.text)
                offset = paragraph.end + 1
                unit = self._unit_of[id(paragraph)]
                for marker_offset, number in unit.markers:
                    note = footnote_by_number.get(number)
                    if note is None:
                        warnings.append(f"footnote marker {number} (line {unit.line}) has no footnote text")
                    elif note.section_id is None:
                        note.section_id = section.section_id
                        note.marker_offset = paragraph.start + marker_offset
            section.text = "\n".join(pieces)
        for note in footnotes:
            if note.section_id is None:
                warnings.append(f"footnote {note.number} (line {note.line}) has no marker in the text")
            parent = next((s for s in self.sections if s.section_id == note.section_id), None)
            self.sections.append(
                Section(
                    f"fn{note.number}",
                    "footnote",
                    str(note.number),
                    "",
                    (parent.level + 1) if parent else 1,
                    note.section_id,
                    note.line,
                    paragraphs=[Paragraph(PARAGRAPH, note.text, note.line, 0, len(note.text))],
                    text=note.text,
                )
            )


def _title_line(text: str, before: list[str]) -> bool:
    """A line of a report's title: short, not a sentence of the body."""
    return len(text) <= 250 and sum(map(len, before)) < 400 and not text.rstrip().endswith((".", ":", ";"))
