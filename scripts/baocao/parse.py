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

from baocao.errors import BaocaoError
from baocao.normalize import reading_copy, strip_invisible

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPER_TO_DIGIT = str.maketrans(SUPERSCRIPTS, "0123456789")

PARAGRAPH = "paragraph"
BULLET = "bullet"
SUB_BULLET = "sub_bullet"
NUMBERED = "numbered"

_PART = re.compile(r"^((?:X{0,3})(?:IX|IV|V?I{0,3}))\.\s+(\S.*)$")
_SECTION = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.\s+(\S.*)$|^(\d{1,2}(?:\.\d{1,2})+)\s+(\S.*)$")
_BULLET = re.compile(r"^[-–•]\s*(?:\+\s*)?|^\+\s*")
_FOOTNOTE_BODY = re.compile(rf"^([{SUPERSCRIPTS}]+)\s*(\S.*)$")
_MARKER = re.compile(rf"[{SUPERSCRIPTS}]+")
_UNIT_POWER = re.compile(r"(?:^|[\d\s])(?:k|c|d)?m$")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?![*\w])", re.DOTALL)
_CLOSING = re.compile(r"^Nơi nhận\s*:?\s*$", re.IGNORECASE)
_SYMBOL_LINE = re.compile(r"^Số\s*:\s*(.*)$")
_PLACE_DATE = re.compile(r"^([^,]{2,40}),\s*ngày\b(.*)$")
_ADDRESSEE = re.compile(r"^Kính gửi\s*:\s*(.+)$")
_TERMINAL = (".", "!", "?", "…", "./.")
_NATIONAL_MOTTO = re.compile(r"^CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\b", re.IGNORECASE)
_GROUP_SPACE = re.compile(r"(?<=\d)\u00a0(?=\d{3}(?!\d))")
_SPACE_RUN = re.compile(r"[ \t\u00a0]+")
# a signature block is a few lines of names and titles; beyond these, the rest of the file is not one report's
SIGNATURE_MAX_LINES = 60
SIGNATURE_MAX_CHARS = 4000


def _clean_line(raw: str) -> str:
    """Runs of spaces become one space; a non-breaking space between digit groups (1\u00a0040,1) is kept."""
    return _SPACE_RUN.sub(" ", _GROUP_SPACE.sub("\x00", raw)).strip().replace("\x00", "\u00a0")


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
class Footnote:
    number: int
    text: str
    line: int
    section_id: str | None = None  # the section holding the marker
    marker_offset: int | None = None  # offset of the marker in that section's clean text


@dataclass
class Repair:
    line: int
    kind: str  # page_break, hyphen_break
    before: str
    after: str


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


@dataclass
class _Unit:
    kind: str
    text: str
    line: int
    markers: list[tuple[int, int]] = field(default_factory=list)  # (offset, footnote number)
    heading: tuple[str, str, str] | None = None  # (part|section, number, title)


def superscript_number(text: str) -> int:
    return int(text.translate(_SUPER_TO_DIGIT))


def strip_markdown(text: str) -> tuple[str, int]:
    count = 0

    def unwrap(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return match.group(1)

    text = _BOLD.sub(unwrap, text)
    text = _ITALIC.sub(unwrap, text)
    return text, count


def _heading(published: str) -> tuple[str, str, str] | None:
    text = reading_copy(published)
    match = _PART.match(text)
    if match and match.group(1):
        title = published[match.start(2) :].strip()
        letters = [c for c in title if c.isalpha()]
        if letters and sum(c.isupper() for c in letters) >= 0.8 * len(letters):
            return ("part", match.group(1), title)
        return None
    match = _SECTION.match(text)
    if not match:
        return None
    number = match.group(1) or match.group(3)
    title = published[match.start(2) if match.group(2) else match.start(4) :].strip()
    if len(title) > 320 or not title[0].isupper():
        return None
    if title.endswith((".", ";", ",", "!", "?")):
        return None
    if title.endswith(":"):
        if len(title) > 120:
            return None
        title = title[:-1].rstrip()
    return ("section", number, title)


def _classify(text: str, line: int) -> _Unit:
    heading = _heading(text)
    if heading:
        return _Unit("heading", text, line, heading=heading)
    bullet = _BULLET.match(text)
    if bullet and len(text) > bullet.end():
        kind = SUB_BULLET if "+" in bullet.group(0) else BULLET
        return _Unit(kind, text[bullet.end() :].strip(), line)
    if re.match(r"^\d{1,2}\.\s+\S", text):
        return _Unit(NUMBERED, text, line)
    return _Unit(PARAGRAPH, text, line)


def _open_brackets(text: str) -> bool:
    return text.count("(") > text.count(")") or text.count("“") > text.count("”")


def _continues(prev: _Unit, unit: _Unit) -> str | None:
    """Why ``unit`` continues ``prev`` across a page break, or None."""
    if unit.kind != PARAGRAPH:
        return None
    if prev.kind == "heading":
        # A numbered paragraph cut by a page break looks like a heading until its
        # lower-case continuation shows up: a section never starts in lower case.
        if prev.heading and prev.heading[0] == "section" and unit.text[0].islower():
            prev.kind, prev.heading = NUMBERED, None
            return "page_break"
        return None
    before = prev.text.rstrip()
    if re.search(r"\w-$", before):
        return "hyphen_break"
    if before.endswith(_TERMINAL):
        return None
    first = unit.text[0]
    if first.islower() or first.isdigit() or _open_brackets(before):
        return "page_break"
    return None


def _lift_markers(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Remove footnote markers; return the text and (offset, footnote number) pairs."""
    pieces = []
    markers = []
    last = 0
    removed = 0
    for match in _MARKER.finditer(text):
        if match.group(0) in "²³" and _UNIT_POWER.search(text, 0, match.start()):
            continue  # m², m³, km²: a unit, not a footnote marker
        pieces.append(text[last : match.start()])
        last = match.end()
        markers.append((match.start() - removed, superscript_number(match.group(0))))
        removed += match.end() - match.start()
    pieces.append(text[last:])
    return "".join(pieces), markers


def parse_document(text: str, source: object = "<text>") -> Document:
    """Parse a report's raw text. Raises :class:`BaocaoError` naming ``source``."""
    text, markdown_removed = strip_markdown(strip_invisible(text))
    lines = text.split("\n")
    warnings: list[str] = []
    mottos = [i for i, line in enumerate(lines) if _NATIONAL_MOTTO.match(line.strip())]
    if len(mottos) > 1:
        raise BaocaoError(
            f"a second report header (line {mottos[1] + 1}) in the same file: give each report its own file", source
        )

    recipients: list[str] = []
    signature: list[str] = []
    for index, line in enumerate(lines):
        if _CLOSING.match(line.strip()):
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
            lines = lines[:index]
            break

    footnotes: list[Footnote] = []
    units: list[_Unit] = []
    repairs: list[Repair] = []
    for number, raw in enumerate(lines, start=1):
        line = _clean_line(raw)
        if not line:
            continue
        body = _FOOTNOTE_BODY.match(line)
        if body:
            footnotes.append(Footnote(superscript_number(body.group(1)), body.group(2).strip(), number))
            continue
        line, markers = _lift_markers(line)
        line = line.rstrip()
        markers = [(min(offset, len(line)), n) for offset, n in markers]
        if not line.strip():
            warnings.append(f"line {number} holds only a footnote marker")
            continue
        unit = _classify(line, number)
        shift = len(line) - len(unit.text) if unit.kind in (BULLET, SUB_BULLET) else 0
        unit.markers = [(offset - shift, n) for offset, n in markers]
        if units:
            reason = _continues(units[-1], unit)
            if reason:
                prev = units[-1]
                glue = "" if reason == "hyphen_break" else " "
                shift = len(prev.text.rstrip()) + len(glue)
                repairs.append(Repair(number, reason, prev.text[-40:], unit.text[:40]))
                prev.text = prev.text.rstrip() + glue + unit.text
                prev.markers.extend((offset + shift, n) for offset, n in unit.markers)
                continue
        units.append(unit)

    if not units:
        raise BaocaoError("no text before 'Nơi nhận:'", source)
    headings = sum(u.kind == "heading" for u in units)
    first_heading = next((i for i, u in enumerate(units) if u.kind == "heading"), len(units))
    if not headings:
        warnings.append("no numbered headings: the report is read as one section")

    header: dict[str, str | None] = {
        "document_symbol": None,
        "place": None,
        "date_text": None,
        "document_type": None,
        "title": None,
        "addressee": None,
    }
    preamble: list[_Unit] = []
    title_lines: list[str] = []
    for unit in units[:first_heading]:
        t = unit.text
        if (m := _SYMBOL_LINE.match(t)) and header["document_symbol"] is None:
            header["document_symbol"] = m.group(1).strip() or None
        elif (m := _PLACE_DATE.match(t)) and header["place"] is None and len(t) < 80:
            header["place"] = m.group(1).strip()
            header["date_text"] = t[len(m.group(1)) + 1 :].strip()
        elif (m := _ADDRESSEE.match(t)) and header["addressee"] is None:
            header["addressee"] = m.group(1).strip()
        elif header["document_type"] is None and t.isupper() and len(t) < 40:
            header["document_type"] = t
        elif (
            header["document_type"] is not None
            and header["addressee"] is None
            and not preamble
            and _title_line(t, title_lines)
        ):
            title_lines.append(t)
        else:
            preamble.append(unit)
    header["title"] = " ".join(title_lines) or None

    sections: list[Section] = []
    seen_ids: dict[str, int] = {}
    duplicates: dict[str, list[str]] = {}
    unit_of: dict[int, tuple[Section, _Unit]] = {}

    def open_section(section: Section) -> Section:
        base = section.section_id
        count = seen_ids.get(base, 0) + 1
        seen_ids[base] = count
        if count > 1:
            section.section_id = f"{base}_{count}"
            section.occurrence = count
            duplicates.setdefault(base, [base]).append(section.section_id)
        sections.append(section)
        return section

    current: Section | None = None
    if preamble:
        kind = "preamble" if headings else "body"
        current = open_section(Section(kind, kind, "", "", 0, None, preamble[0].line))
        for unit in preamble:
            current.paragraphs.append(Paragraph(unit.kind, unit.text, unit.line))
            unit_of[id(current.paragraphs[-1])] = (current, unit)
    part: Section | None = None
    latest: dict[str, str] = {}  # number -> section id, within the current part
    for unit in units[first_heading:]:
        if unit.kind == "heading":
            kind, number, title = unit.heading  # type: ignore[misc]
            if kind == "part":
                part = open_section(Section(number, "part", number, title, 1, None, unit.line))
                current = part
                latest = {}
                continue
            prefix = f"{part.number}." if part else ""
            depth = number.count(".") + 1
            parent_number = number.rsplit(".", 1)[0] if "." in number else None
            parent_id = latest.get(parent_number) if parent_number else None
            if parent_id is None:
                parent_id = part.section_id if part else None
            current = open_section(
                Section(prefix + number, "section", number, title, depth + (1 if part else 0), parent_id, unit.line)
            )
            latest[number] = current.section_id
            continue
        assert current is not None
        paragraph = Paragraph(unit.kind, unit.text, unit.line)
        current.paragraphs.append(paragraph)
        unit_of[id(paragraph)] = (current, unit)

    footnote_by_number = {f.number: f for f in footnotes}
    for section in sections:
        pieces = []
        offset = 0
        for paragraph in section.paragraphs:
            prefix = {BULLET: "- ", SUB_BULLET: "+ "}.get(paragraph.kind, "")
            paragraph.start = offset + len(prefix)
            paragraph.end = paragraph.start + len(paragraph.text)
            pieces.append(prefix + paragraph.text)
            offset = paragraph.end + 1
            _, unit = unit_of[id(paragraph)]
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
        parent = next((s for s in sections if s.section_id == note.section_id), None)
        sections.append(
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
    numbers = [f.number for f in footnotes]
    if len(set(numbers)) != len(numbers):
        raise BaocaoError(f"footnote numbers repeat: {numbers}", source)

    return Document(
        header=header,
        sections=sections,
        footnotes=footnotes,
        recipients=recipients,
        signature=signature,
        repairs=repairs,
        duplicate_numbers=sorted(duplicates.items()),
        markdown_removed=markdown_removed,
        warnings=warnings,
        headings=headings,
    )


def _title_line(text: str, before: list[str]) -> bool:
    """A line of a report's title: short, not a sentence of the body."""
    return len(text) <= 250 and sum(map(len, before)) < 400 and not text.rstrip().endswith((".", ":", ";"))
