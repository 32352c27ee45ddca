""".docx and .pdf copies of a report give the same document model and observations as its text."""

import html
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from baocao.core import paths
from baocao.core.errors import BaocaoError
from baocao.core.metadata import Metadata
from baocao.figures.extract import Extractor
from baocao.package.pipeline import run
from baocao.reading.parse import parse_document
from baocao.reading.read import read_source
from conftest import CHROMIUM, REPORT, print_to_pdf

TEXT = REPORT.read_text(encoding="utf-8")


def make_docx(path: Path, lines: list[str]) -> Path:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(path)
    return path


def make_pdf(path: Path, text: str, workdir: Path) -> Path:
    """The report printed to PDF by Chromium: one HTML paragraph per line, never split across pages."""
    body = "\n".join(f"<p>{html.escape(line) if line.strip() else '&nbsp;'}</p>" for line in text.split("\n"))
    page = workdir / "report.html"
    page.write_text(
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><style>@page { size: A4; margin: 2cm; } '
        "body { font-family: 'DejaVu Serif', serif; font-size: 12pt; } "
        "p { margin: 0 0 0.6em 0; break-inside: avoid; }</style></head><body>" + body + "</body></html>",
        encoding="utf-8",
    )
    print_to_pdf(page, path, workdir)
    return path


def metadata_for(tmp_path: Path, *files: Path) -> Metadata:
    """A copy of metadata/ that knows the copies, with the first report's own locators."""
    target = tmp_path / "metadata"
    shutil.copytree(paths.METADATA, target)
    import hashlib

    records = yaml.safe_load((target / "sources.yaml").read_text(encoding="utf-8"))["reports"]
    template = records[0]
    for path in files:
        records.append(
            {
                **template,
                "id": f"copy-{path.suffix[1:]}",
                "file": path.name,
                "locators": template["id"],
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        )
    (target / "sources.yaml").write_text(yaml.safe_dump({"reports": records}, allow_unicode=True), encoding="utf-8")
    return Metadata(target)


def model(report):
    sections = [(s.section_id, s.kind, s.title, s.text) for s in report.document.sections]
    notes = [(f.number, f.section_id, f.marker_offset, f.text) for f in report.document.footnotes]
    observations = [
        (o.indicator_id, o.measure, o.value, o.unit_id, o.obs_status, o.section_id, o.quote)
        for o in report.observations
    ]
    return sections, notes, observations


@pytest.fixture(scope="module")
def text_report():
    [report] = run([REPORT], Metadata())
    return report


def test_docx_gives_the_same_sections_and_observations(tmp_path, text_report):
    copy = make_docx(tmp_path / "bao-cao.docx", TEXT.split("\n"))
    [report] = run([copy], metadata_for(tmp_path, copy))
    assert model(report) == model(text_report)
    assert len(report.observations) == len(text_report.observations)


@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("BAOCAO_REQUIRE_BROWSER"),
    reason="chromium is not installed: it prints the test PDF (apt-get install chromium)",
)
def test_pdf_gives_the_same_sections_and_observations(tmp_path, text_report):
    copy = make_pdf(tmp_path / "bao-cao.pdf", TEXT, tmp_path)
    [report] = run([copy], metadata_for(tmp_path, copy))
    sections, notes, observations = model(report)
    expected_sections, expected_notes, expected_observations = model(text_report)
    assert observations == expected_observations
    assert notes == expected_notes

    def spacing(rows):
        # a line broken right after a hyphen cannot say whether a space followed it ("11- NQ/TW")
        return [(i, k, t, re.sub(r"(\w)- (?=\w)", r"\1-", x)) for i, k, t, x in rows]

    assert spacing(sections) == spacing(expected_sections)


def test_docx_footnotes_and_tables(tmp_path):
    lines = [
        "BÁO CÁO",
        "Tình hình kinh tế - xã hội 6 tháng đầu năm 2024 tỉnh Yên Bái",
        "",
        "1. Nông nghiệp",
        "",
        "Có 5/17 xã đạt chuẩn nông thôn mới.",
        "",
        "2. Số liệu",
    ]
    path = make_docx(tmp_path / "bang.docx", lines)
    import docx

    document = docx.Document(path)
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [["Cây trồng", "Diện tích (ha)", "Sản lượng (tấn)"], ["Lúa", "1.234", "5.678,5"], ["Ngô", "910", "2.345"]]
    ):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.save(path)
    _add_footnote(path, paragraph_text="Có 5/17 xã đạt chuẩn nông thôn mới.", note="Xã Tân Tú, xã Thanh Vân.")
    text = read_source(path).text
    assert "Có 5/17 xã đạt chuẩn nông thôn mới¹." in text
    assert "¹ Xã Tân Tú, xã Thanh Vân." in text
    assert "- Lúa: Diện tích (ha) 1.234; Sản lượng (tấn) 5.678,5." in text
    document_model = parse_document(text, path)
    [note] = document_model.footnotes
    assert (note.number, note.section_id, note.text) == (1, "1", "Xã Tân Tú, xã Thanh Vân.")
    mentions = Extractor().mentions("2", document_model.section("2").text)
    assert [(m.value_text, m.quote) for m in mentions][:2] == [
        ("1.234", "Lúa: Diện tích (ha) 1.234; Sản lượng (tấn) 5.678,5."),
        ("5.678,5", "Lúa: Diện tích (ha) 1.234; Sản lượng (tấn) 5.678,5."),
    ]


def test_bad_documents_are_refused(tmp_path):
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"not a zip")
    with pytest.raises(BaocaoError, match=r"fake.docx: not a readable .docx file"):
        read_source(fake)
    fake_pdf = tmp_path / "fake.pdf"
    fake_pdf.write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(BaocaoError, match=r"fake.pdf: not a readable PDF"):
        read_source(fake_pdf)


def _add_footnote(path: Path, paragraph_text: str, note: str) -> None:
    """Give a .docx a real footnote (python-docx cannot): footnotes.xml, its relation, and the reference."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    with zipfile.ZipFile(path) as source:
        files = {name: source.read(name) for name in source.namelist()}
    files["word/footnotes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{w}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        f'<w:footnote w:id="1"><w:p><w:r><w:t xml:space="preserve">{note}</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    ).encode()
    rels = files["word/_rels/document.xml.rels"].decode()
    files["word/_rels/document.xml.rels"] = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdNotes" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'footnotes" Target="footnotes.xml"/></Relationships>',
    ).encode()
    types = files["[Content_Types].xml"].decode()
    files["[Content_Types].xml"] = types.replace(
        "</Types>",
        '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.footnotes+xml"/></Types>',
    ).encode()
    body = files["word/document.xml"].decode()
    before, dot = paragraph_text[:-1], paragraph_text[-1]
    body = body.replace(
        f"<w:t>{paragraph_text}</w:t>",
        f'<w:t>{before}</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:footnoteReference w:id="1"/></w:r><w:r><w:t>{dot}</w:t>',
        1,
    )
    files["word/document.xml"] = body.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in files.items():
            target.writestr(name, data)


@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("BAOCAO_REQUIRE_BROWSER"),
    reason="chromium is not installed: it prints the test PDF (apt-get install chromium)",
)
def test_pdf_tables_become_labelled_rows(tmp_path):
    page = tmp_path / "table.html"
    page.write_text(
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><style>'
        "body { font-family: 'DejaVu Serif', serif; font-size: 12pt; } p { margin: 0 0 0.8em 0; } "
        "table { border-collapse: collapse; } td, th { border: 1px solid black; padding: 4px; }</style></head><body>"
        "<p>1. Sản xuất nông nghiệp</p><p>Kết quả sản xuất vụ xuân như sau:</p>"
        "<table><tr><th>Cây trồng</th><th>Diện tích (ha)</th><th>Sản lượng (tấn)</th></tr>"
        "<tr><td>Lúa</td><td>1.234</td><td>5.678,5</td></tr><tr><td>Ngô</td><td>910</td><td>2.345</td></tr></table>"
        "<p>Tổng diện tích gieo trồng đạt 2.144 ha.</p></body></html>",
        encoding="utf-8",
    )
    pdf = tmp_path / "table.pdf"
    print_to_pdf(page, pdf, tmp_path)
    text = read_source(pdf).text
    assert text.split("\n\n") == [
        "1. Sản xuất nông nghiệp",
        "Kết quả sản xuất vụ xuân như sau:",
        "- Lúa: Diện tích (ha) 1.234; Sản lượng (tấn) 5.678,5.",
        "- Ngô: Diện tích (ha) 910; Sản lượng (tấn) 2.345.",
        "Tổng diện tích gieo trồng đạt 2.144 ha.",
    ]
