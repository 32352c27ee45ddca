"""Word (.docx) and PDF reports as the plain text the parser reads.

- .docx: paragraphs in order, one per line; a real footnote becomes a superscript
  marker in the text and its body a line "¹ ..." right after the paragraph that cites
  it; a real table becomes one bullet per row, "- row label: column heading value;
  ...", so that every number in it is a mention with its row and column labels.
- .pdf: the text of each page, its lines joined into paragraphs by their spacing (a
  gap larger than half a line starts a new paragraph), paragraphs one per line.
"""

from __future__ import annotations

import json
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


def _footnotes(archive: zipfile.ZipFile, path: Path) -> dict[str, str]:
    if "word/footnotes.xml" not in archive.namelist():
        return {}
    root = ElementTree.fromstring(_part(archive, "word/footnotes.xml", path))
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


# A .docx is a zip: each part it reads is checked before it is inflated. The text of a long report is a few MB
# of XML; a part larger than this, or inflating more than this many times its compressed size, is a bomb.
MAX_PART_BYTES = 16 * 1024 * 1024
MAX_RATIO = 200


def _part(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_PART_BYTES or info.file_size > MAX_RATIO * max(info.compress_size, 1024):
        raise BaocaoError(
            f"the .docx part {name} would inflate to {info.file_size / 1e6:.0f} MB from "
            f"{info.compress_size / 1e6:.1f} MB (at most {MAX_PART_BYTES // 2**20} MB and {MAX_RATIO} times): refused",
            path,
        )
    with archive.open(info) as handle:  # the sizes in the zip may lie: read no more than allowed
        data = handle.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:
        raise BaocaoError(f"the .docx part {name} inflates past {MAX_PART_BYTES // 2**20} MB: refused", path)
    return data


def docx_text(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            root = ElementTree.fromstring(_part(archive, "word/document.xml", path))
            notes = _footnotes(archive, path)
        return _docx_lines(root, notes)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, TypeError, AttributeError, EOFError,
            OSError, ElementTree.ParseError, NotImplementedError, RuntimeError):  # fmt: skip
        raise BaocaoError("not a readable .docx file (damaged, or not Word's format)", path) from None


def _docx_lines(root, notes: dict[str, str]) -> str:
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


# A PDF is read in a child process with its memory, time and pages bounded: its streams may inflate a
# thousand times (pdfminer inflates each whole), and a small file may hold tens of thousands of pages.
PDF_MEMORY_BYTES = 384 * 1024 * 1024
PDF_SECONDS = 120
PDF_PAGES = 2000
_PDF_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
from baocao.reading.documents import pdf_paragraphs
try:
    print(json.dumps(pdf_paragraphs(sys.argv[1], int(sys.argv[3]))))
except MemoryError:
    sys.exit(3)
"""


def pdf_text(path: Path) -> str:
    import subprocess
    import sys

    limits = [str(path), str(PDF_MEMORY_BYTES), str(PDF_PAGES)]
    try:
        child = subprocess.run(
            [sys.executable, "-c", _PDF_CHILD, *limits], capture_output=True, text=True, timeout=PDF_SECONDS
        )
    except subprocess.TimeoutExpired:
        raise BaocaoError(f"reading the PDF takes more than {PDF_SECONDS} s: refused", path) from None
    if child.returncode == 3 or "MemoryError" in child.stderr:
        raise BaocaoError(
            f"reading the PDF needs more than {PDF_MEMORY_BYTES // 2**20} MB (a compression bomb?): refused", path
        )
    if child.returncode != 0:
        raise BaocaoError("not a readable PDF (its reading stopped)", path)
    answer = json.loads(child.stdout)
    if isinstance(answer, str):
        raise BaocaoError(answer, path)
    if not answer:
        raise BaocaoError("the PDF has no text layer (a scan? it needs OCR first)", path)
    return "\n\n".join(re.sub(r"\s+", " ", p).strip() for p in answer)


def pdf_paragraphs(path: str, most_pages: int) -> list[str] | str:
    """The paragraphs of a PDF (run in the child process above), or why it cannot be read."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(path)
    except Exception as error:  # pdfminer raises many kinds; all mean the same to the user
        return f"not a readable PDF ({type(error).__name__})"
    paragraphs: list[str] = []
    with pdf:
        if len(pdf.pages) > most_pages:
            return f"the PDF has {len(pdf.pages)} pages, more than {most_pages}: refused"
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
    return paragraphs
