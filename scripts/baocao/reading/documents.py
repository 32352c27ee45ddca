"""Word (.docx) and PDF reports as the plain text the parser reads.

- .docx: paragraphs in order, one per line; a real footnote becomes a superscript
  marker in the text and its body a line "¹ ..." right after the paragraph that cites
  it; a real table becomes one bullet per row, "- row label: column heading value;
  ...", so that every number in it is a mention with its row and column labels.
- .pdf: the text of each page, its lines joined into paragraphs by their spacing (a
  gap larger than half a line starts a new paragraph), paragraphs one per line.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from baocao.core.errors import BaocaoError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _run_text(element, footnotes_cited: list[str]) -> str:
    out = []
    for node in element.iter():
        if node.tag == f"{W}t" and node.text:
            out.append(node.text)
        elif node.tag in (f"{W}tab",):
            out.append(" ")
        elif node.tag in (f"{W}br", f"{W}cr"):
            out.append("\n")
        elif node.tag == f"{W}footnoteReference":
            number = node.get(f"{W}id")
            footnotes_cited.append(number)
            out.append(number.translate(SUPERSCRIPT))
    return "".join(out)


def _footnotes(archive: zipfile.ZipFile) -> dict[str, str]:
    try:
        root = ElementTree.fromstring(archive.read("word/footnotes.xml"))
    except KeyError:
        return {}
    notes = {}
    for note in root.iter(f"{W}footnote"):
        if note.get(f"{W}type") in ("separator", "continuationSeparator"):
            continue
        text = " ".join(_run_text(p, []).strip() for p in note.iter(f"{W}p")).strip()
        notes[note.get(f"{W}id")] = text
    return notes


def _table_lines(table) -> list[str]:
    rows = [
        [" ".join(_run_text(p, []).strip() for p in cell.iter(f"{W}p")).strip() for cell in row.iter(f"{W}tc")]
        for row in table.iter(f"{W}tr")
    ]
    return _labelled_rows(rows)


def docx_text(path: Path) -> str:
    try:
        archive = zipfile.ZipFile(path)
        root = ElementTree.fromstring(archive.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        raise BaocaoError("not a readable .docx file (damaged, or not Word's format)", path) from None
    notes = _footnotes(archive)
    body = root.find(f"{W}body")
    lines: list[str] = []
    for element in body if body is not None else []:
        if element.tag == f"{W}p":
            cited: list[str] = []
            lines.append(_run_text(element, cited))
            for number in cited:
                if number in notes:
                    lines += ["", f"{number.translate(SUPERSCRIPT)} {notes[number]}", ""]
        elif element.tag == f"{W}tbl":
            lines += ["", *_table_lines(element), ""]
    return "\n".join(lines)


def _labelled_rows(rows: list[list[str]]) -> list[str]:
    """Table rows as bullets that keep each number beside its row and column labels."""
    rows = [[re.sub(r"\s+", " ", cell or "").strip() for cell in row] for row in rows if row]
    if len(rows) < 2:
        return []
    header, body = rows[0], rows[1:]
    lines = []
    for row in body:
        cells = [
            f"{header[i]} {value}".strip() for i, value in enumerate(row[1:], start=1) if value and i < len(header)
        ]
        lines.append(f"- {row[0]}: " + "; ".join(cells) + ".")
    return lines


def pdf_text(path: Path) -> str:
    import pdfplumber

    try:
        pdf = pdfplumber.open(path)
    except Exception as error:  # pdfminer raises many kinds; all mean the same to the user
        raise BaocaoError(f"not a readable PDF ({type(error).__name__})", path) from None
    paragraphs: list[str] = []
    with pdf:
        for page in pdf.pages:
            tables = page.find_tables()
            boxes = [table.bbox for table in tables]

            def outside(obj, boxes=boxes) -> bool:
                x = (obj["x0"] + obj["x1"]) / 2
                y = (obj["top"] + obj["bottom"]) / 2
                return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

            text_page = page.filter(outside) if boxes else page
            blocks = [(line["top"], line["bottom"], line["text"]) for line in text_page.extract_text_lines()]
            blocks += [(table.bbox[1], table.bbox[3], table) for table in tables]
            previous_bottom = None
            for top, bottom, item in sorted(blocks, key=lambda block: block[0]):
                if not isinstance(item, str):  # a real table: its rows, labelled, as bullets
                    paragraphs.extend(_labelled_rows(item.extract()))
                    previous_bottom = None
                    continue
                height = bottom - top
                if previous_bottom is None or top - previous_bottom > 0.5 * height or not paragraphs:
                    paragraphs.append(item)
                elif re.search(r"\w-$", paragraphs[-1]):
                    paragraphs[-1] += item  # a line broken after the hyphen of 53/KH-UBND
                else:
                    paragraphs[-1] = f"{paragraphs[-1]} {item}"
                previous_bottom = bottom
    if not paragraphs:
        raise BaocaoError("the PDF has no text layer (a scan? it needs OCR first)", path)
    return "\n\n".join(re.sub(r"\s+", " ", p).strip() for p in paragraphs)
