"""Stage 2a, the lines of a report: each becomes a unit (paragraph, bullet, numbered paragraph or heading);
a paragraph cut by a page break is joined back, footnote bodies and markers are lifted out.

See baocao.reading.parse, which builds the document's sections from these units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from baocao.core.normalize import reading_copy

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPER_TO_DIGIT = str.maketrans(SUPERSCRIPTS, "0123456789")

PARAGRAPH = "paragraph"
BULLET = "bullet"
SUB_BULLET = "sub_bullet"
NUMBERED = "numbered"

_PART = re.compile(r"^((?:X{0,3})(?:IX|IV|V?I{0,3}))\.\s+(\S.*)$")
# a division above the parts: "Phần thứ hai" (its title on the same line or the next), "A. KẾT QUẢ ..."
_ORDINALS = {"nhất": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5}
_DIVISION = re.compile(rf"(?i)^phần\s+thứ\s+({'|'.join(_ORDINALS)})\b\s*[:.–-]?\s*(.*)$")
_LETTER_DIVISION = re.compile(r"^([A-E])\.\s+(\S.*)$")
_SECTION = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.\s+(\S.*)$|^(\d{1,2}(?:\.\d{1,2})+)\s+(\S.*)$")
_BULLET = re.compile(r"^[-–•]\s*(?:\+\s*)?|^\+\s*")
_FOOTNOTE_BODY = re.compile(rf"^([{SUPERSCRIPTS}]+)\s*(\S.*)$")
_MARKER = re.compile(rf"[{SUPERSCRIPTS}]+")
_UNIT_POWER = re.compile(r"(?:^|[\d\s])(?:k|c|d)?m$")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?![*\w])", re.DOTALL)
_TERMINAL = (".", "!", "?", "…", "./.")
_GROUP_SPACE = re.compile(r"(?<=\d)\u00a0(?=\d{3}(?!\d))")
_SPACE_RUN = re.compile(r"[ \t\u00a0]+")
# a signature block is a few lines of names and titles; beyond these, the rest of the file is not one report's


def _clean_line(raw: str) -> str:
    """Runs of spaces become one space; a non-breaking space between digit groups (1\u00a0040,1) is kept."""
    return _SPACE_RUN.sub(" ", _GROUP_SPACE.sub("\x00", raw)).strip().replace("\x00", "\u00a0")


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
class Unit:
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


def _capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _heading(published: str) -> tuple[str, str, str] | None:
    text = reading_copy(published)
    match = _DIVISION.match(text)
    if match:
        return ("division", str(_ORDINALS[match.group(1).lower()]), published[match.start(2) :].strip())
    match = _LETTER_DIVISION.match(text)
    if match and _capitals(match.group(2)):
        return ("division", match.group(1), published[match.start(2) :].strip())
    match = _PART.match(text)
    if match and match.group(1):
        title = published[match.start(2) :].strip()
        return ("part", match.group(1), title) if _capitals(title) else None
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


def _classify(text: str, line: int) -> Unit:
    heading = _heading(text)
    if heading:
        return Unit("heading", text, line, heading=heading)
    bullet = _BULLET.match(text)
    if bullet and len(text) > bullet.end():
        kind = SUB_BULLET if "+" in bullet.group(0) else BULLET
        return Unit(kind, text[bullet.end() :].strip(), line)
    if re.match(r"^\d{1,2}\.\s+\S", text):
        return Unit(NUMBERED, text, line)
    return Unit(PARAGRAPH, text, line)


def _open_brackets(text: str) -> bool:
    return text.count("(") > text.count(")") or text.count("“") > text.count("”")


def _continues(prev: Unit, unit: Unit) -> str | None:
    """Why ``unit`` continues ``prev`` across a page break, or None."""
    if unit.kind != PARAGRAPH:
        return None
    if prev.kind == "heading" and prev.heading and prev.heading[0] == "division" and not prev.heading[2]:
        # "Phần thứ hai" over its title in capitals, on the next line
        return "division_title" if _capitals(unit.text) else None
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


def read_units(lines: list[str], warnings: list[str]) -> tuple[list[Unit], list[Footnote], list[Repair]]:
    """The units of the report's lines, its footnote bodies and the page breaks repaired."""
    footnotes: list[Footnote] = []
    units: list[Unit] = []
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
            if reason == "division_title":
                prev = units[-1]
                prev.heading = ("division", prev.heading[1], unit.text.strip())  # type: ignore[index]
                prev.text = f"{prev.text} {unit.text}"
                continue
            if reason:
                prev = units[-1]
                glue = "" if reason == "hyphen_break" else " "
                shift = len(prev.text.rstrip()) + len(glue)
                repairs.append(Repair(number, reason, prev.text[-40:], unit.text[:40]))
                prev.text = prev.text.rstrip() + glue + unit.text
                prev.markers.extend((offset + shift, n) for offset, n in unit.markers)
                continue
        units.append(unit)
    return units, footnotes, repairs
