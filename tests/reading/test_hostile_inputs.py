"""Small hostile files and pathological text: each refused in one line with exit 2 and bounded memory, or
read in time and space that grow linearly with the input."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from baocao.reading import documents

MIB = 1024 * 1024
# the CLI, run on one file with its peak memory (itself and its children) printed last, as JSON
MEASURED = """
import json, resource, runpy, sys
sys.argv = ["baocao", *sys.argv[1:]]
try:
    runpy.run_module("baocao", run_name="__main__")
except SystemExit as stop:
    code = stop.code
peak = max(resource.getrusage(r).ru_maxrss for r in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"code": code, "peak_mib": peak / 1024}), file=sys.stderr)
"""


def run_cli(*args: str, cwd: Path) -> tuple[int, list[str], float]:
    """(exit code, stderr lines but the measure, peak MiB) of `baocao ARGS`."""
    done = subprocess.run([sys.executable, "-c", MEASURED, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    lines = done.stderr.strip().splitlines()
    measure = json.loads(lines[-1])
    return measure["code"], lines[:-1], measure["peak_mib"]


def test_a_docx_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        body = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        with archive.open("word/document.xml", "w", force_zip64=True) as part:  # written a MiB at a time
            part.write(body)
            for _ in range(400):
                part.write(b" " * MIB)
            part.write(b"</w:body></w:document>")
    assert bomb.stat().st_size < 2 * MIB
    out = tmp_path / "out"
    code, lines, peak = run_cli("extract", str(bomb), "--period", "2027", "--province", "Hà Nam", cwd=tmp_path)
    assert code == 2 and len(lines) == 1 and "bomb.docx" in lines[0] and "refused" in lines[0], lines
    assert peak < 500 and not out.exists()


def test_a_docx_whose_zip_lies_about_its_sizes_is_read_no_further_than_allowed(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "MAX_PART_BYTES", 4096)
    liar = tmp_path / "liar.docx"
    xml = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", xml + b" " * 10_000 + b"</w:body></w:document>")
    from baocao.core.errors import BaocaoError

    with pytest.raises(BaocaoError, match="refused"):
        documents.docx_text(liar)


@pytest.mark.parametrize(
    "part",
    [
        b"<w:document><unclosed>",  # not XML
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
        b"<w:footnoteReference/></w:r></w:p></w:body></w:document>",  # a footnote reference without its id
    ],
)
def test_a_malformed_docx_part_is_refused_in_one_line(tmp_path, part):
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("word/document.xml", part)
        archive.writestr("word/footnotes.xml", b"<not-closed>")
    code, lines, _ = run_cli("extract", str(bad), "--period", "2027", "--province", "Hà Nam", cwd=tmp_path)
    assert code == 2 and len(lines) == 1 and "bad.docx: not a readable .docx file" in lines[0], lines


def _deflate(stream: bytes | int) -> bytes:
    """A content stream, compressed; an int is that many MiB of spaces, compressed a MiB at a time."""
    if isinstance(stream, bytes):
        return zlib.compress(stream, 9)
    packer = zlib.compressobj(9)
    return b"".join(packer.compress(b" " * MIB) for _ in range(stream)) + packer.flush()


def pdf_with_streams(streams: list[bytes | int], pages: int = 1) -> bytes:
    """A PDF of ``pages`` pages, each drawing the same (compressed) content streams."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages)).encode()
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(pages).encode() + b" >>")
    first_stream = 3 + pages
    contents = " ".join(f"{first_stream + i} 0 R" for i in range(len(streams))).encode()
    for _ in range(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [" + contents + b"] >>")
    for stream in streams:
        data = _deflate(stream)
        objects.append(
            b"<< /Length " + str(len(data)).encode() + b" /Filter /FlateDecode >>\nstream\n" + data + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_a_pdf_whose_stream_inflates_past_the_bound_is_refused(tmp_path):
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(pdf_with_streams([600]))
    assert bomb.stat().st_size < 2 * MIB
    code, lines, peak = run_cli("extract", str(bomb), "--period", "2027", "--province", "Hà Nam", cwd=tmp_path)
    assert code == 2 and len(lines) == 1 and "bomb.pdf" in lines[0] and "MB" in lines[0], lines
    assert peak < 500


def test_a_pdf_of_too_many_pages_is_refused(tmp_path, monkeypatch):
    many = tmp_path / "many.pdf"
    many.write_bytes(pdf_with_streams([b"BT ET"], pages=documents.PDF_PAGES + 1))
    code, lines, _ = run_cli("extract", str(many), "--period", "2027", "--province", "Hà Nam", cwd=tmp_path)
    assert code == 2 and len(lines) == 1 and f"more than {documents.PDF_PAGES}" in lines[0], lines


# --- text whose sentences never end ---


def pathological(kilobytes: int) -> str:
    """A report whose body is one sentence without a stop: figures and names, joined by "và"."""
    clause = "chỉ tiêu thu ngân sách nội địa của các huyện đạt 12,5 tỷ đồng tăng 3,4% so với cùng kỳ và "
    body = clause * (kilobytes * 1024 // len(clause.encode("utf-8")) + 1)
    return f"Báo cáo tình hình kinh tế - xã hội năm 2027 tỉnh Hà Nam\n\n{body}\n"


def build_measure(tmp_path: Path, kilobytes: int) -> tuple[float, int]:
    """(CPU seconds, bytes of the package) of building one pathological report."""
    source = tmp_path / f"p{kilobytes}.txt"
    source.write_text(pathological(kilobytes), encoding="utf-8")
    out = tmp_path / f"out{kilobytes}"
    script = (
        "import resource, sys, runpy\n"
        "sys.argv = ['baocao', 'build', '--source', sys.argv[1], '--out', sys.argv[2], '--generic-only']\n"
        "try:\n    runpy.run_module('baocao', run_name='__main__')\n"
        "except SystemExit as stop:\n    assert not stop.code, stop.code\n"
        "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(usage.ru_utime + usage.ru_stime)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(source), str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    size = sum(p.stat().st_size for p in out.iterdir() if p.suffix == ".csv")
    return float(done.stdout.strip().splitlines()[-1]), size


def test_one_endless_sentence_costs_time_and_space_linear_in_its_length(tmp_path):
    small_seconds, small_size = build_measure(tmp_path, 10)
    large_seconds, large_size = build_measure(tmp_path, 40)
    # four times the text: linear growth is 4×, quadratic 16×; generous factors, the start-up cost included
    assert large_size < 6 * small_size, (small_size, large_size)
    assert large_seconds < 8 * small_seconds + 2, (small_seconds, large_seconds)


# --- text that would display otherwise than it is stored ---


def test_bidirectional_controls_and_digits_of_other_scripts_are_read_as_shown_and_flagged(tmp_path):
    from baocao.core.metadata import Metadata
    from baocao.package.pipeline import run

    source = tmp_path / "r.txt"
    source.write_text(
        "Báo cáo tình hình kinh tế - xã hội năm 2027 tỉnh Hà Nam\n\n"
        "Tổng thu ngân sách nhà nước trên địa bàn đạt \u202e8.214\u202c tỷ đồng, tăng \u20665,45\u2069% so với năm "
        "trước. Kim ngạch xuất khẩu đạt １.２３４ triệu USD.\n",
        encoding="utf-8",
    )
    [report] = run([source], Metadata(), generic_only=True)
    values = {(o.indicator_id, o.measure): o.value_text for o in report.observations}
    assert values[("bud_revenue_total", "value")] == "8.214"
    assert values[("bud_revenue_total", "change_pct")] == "5,45"
    assert values[("export_turnover", "value")] == "1.234"
    quotes = " ".join(o.quote for o in report.observations)
    assert not any(c in quotes for c in "\u202e\u202c\u2066\u2069１２３４")
    warnings = " ".join(report.document.warnings)
    assert "bidirectional control" in warnings and "digit(s) of other scripts" in warnings
