"""Any report in: provenance from the text, chrome that is not a figure, statements typed by their clause."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from baocao.core.metadata import Metadata
from baocao.figures.extract import Extractor
from baocao.package.pipeline import run
from baocao.reading.parse import parse_document
from baocao.reading.report_period import parse_period_option, period_of

EVAL = Path(__file__).resolve().parents[2] / "eval"
BAOCAO = [sys.executable, "-m", "baocao"]


@pytest.fixture(scope="module")
def gazetteer():
    return Metadata().gazetteer


def test_gazetteer_has_63_provinces_before_the_merger_and_34_after(gazetteer):
    def valid(p, day):
        return str(p.get("from", "0000")) <= day and day <= str(p.get("until", "9999"))

    assert sum(valid(p, "2024-06-30") for p in gazetteer.provinces) == 63
    assert sum(valid(p, "2025-07-01") for p in gazetteer.provinces) == 34


@pytest.mark.parametrize(
    "text, province_id, stated",
    [
        ("Báo cáo tình hình kinh tế - xã hội trên địa bàn tỉnh Bắc Kạn", "bac-kan", True),  # merged in 2025
        ("UBND TỈNH THÁI NGUYÊN", "thai-nguyen", True),  # after the merger, upper case
        ("Theo Cục Thống kê Nghệ An, kinh tế tăng", "nghe-an", True),  # the issuer line states it
        ("Kinh tế Khánh Hoà tăng trưởng khá", "khanh-hoa", False),  # old tone placement
        ("thành phố Hồ Chí Minh", "ho-chi-minh", True),
    ],
)
def test_gazetteer_finds_the_province(gazetteer, text, province_id, stated):
    province, strong = gazetteer.find(text)
    assert (province["id"], strong) == (province_id, stated)


def test_gazetteer_names_the_whole_country(gazetteer):
    assert gazetteer.named("national")["name"] == gazetteer.national["name"]
    assert gazetteer.national_in("GDP quý III/2024 của cả nước ước tăng")
    assert gazetteer.named("tỉnh Bac Kan")["id"] == "bac-kan"


@pytest.mark.parametrize(
    "title, period",
    [
        ("Tình hình kinh tế - xã hội tháng 9 năm 2021", ("2021-09-01", "2021-09-30")),
        ("Tình hình kinh tế - xã hội tháng 10 và 10 tháng năm 2023", ("2023-01-01", "2023-10-31")),
        ("Báo cáo quý I/2022", ("2022-01-01", "2022-03-31")),
        ("Số liệu tháng 01/2025", ("2025-01-01", "2025-01-31")),
        ("Trong 6 tháng đầu năm 2018, kinh tế của tỉnh tăng", ("2018-01-01", "2018-06-30")),
        ("Tình hình thực hiện kế hoạch năm 2023 và kế hoạch năm 2024", ("2023-01-01", "2023-12-31")),
        ("Phương hướng 6 tháng cuối năm 2024", ("2024-07-01", "2024-12-31")),
        ("Chín tháng đầu năm 2024, kinh tế của tỉnh tăng", ("2024-01-01", "2024-09-30")),
        ("Kết quả mười một tháng năm 2022", ("2022-01-01", "2022-11-30")),
        ("Năm tháng đầu năm 2025, thu ngân sách", ("2025-01-01", "2025-05-31")),
    ],
)
def test_period_phrasings(title, period):
    found = period_of(title)
    assert (found.start, found.end) == period


def test_a_province_compared_with_the_whole_country_is_the_province(gazetteer):
    text = "Kinh tế Thanh Hóa 6 tháng: tăng 8,91%, đứng thứ 7 cả nước, cao hơn mức tăng chung của cả nước."
    assert not gazetteer.national_in(text)
    assert gazetteer.find(text)[0]["name"] == "Thanh Hóa"
    assert gazetteer.national_in("GDP quý III/2024 của cả nước ước tăng 7,4%")


@pytest.mark.parametrize(
    "option, period",
    [
        ("2024-H1", ("2024-01-01", "2024-06-30")),
        ("2023-9M", ("2023-01-01", "2023-09-30")),
        ("2022-Q1", ("2022-01-01", "2022-03-31")),
        ("2025-01", ("2025-01-01", "2025-01-31")),
        ("2024-02-01/2024-02-29", ("2024-02-01", "2024-02-29")),
    ],
)
def test_period_option(option, period):
    assert parse_period_option(option) == period


def test_build_then_validate_every_evaluation_report(tmp_path):
    out = tmp_path / "pkg"
    built = subprocess.run([*BAOCAO, "build", "--source", str(EVAL), "--out", str(out)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    validated = subprocess.run([*BAOCAO, "validate", str(out)], capture_output=True, text=True)
    assert validated.returncode == 0, validated.stdout


@pytest.mark.parametrize("report", sorted(EVAL.glob("*.txt")), ids=lambda p: p.stem)
def test_evaluation_report_province_period_and_chrome(report):
    expected = yaml.safe_load(report.with_suffix(".yaml").read_text(encoding="utf-8"))
    [read] = run([report], Metadata(), curate=False)
    prov = read.provenance
    assert (prov["province"], prov["period_start"], prov["period_end"]) == (
        expected["province"],
        str(expected["period"][0]),
        str(expected["period"][1]),
    )
    sections = {s.section_id: s.text for s in read.document.sections}
    for chrome in expected.get("not_figures") or []:
        for m in read.mentions:
            text = sections[m.section_id]
            start = text.find(chrome)
            while start >= 0:
                assert not (start <= m.value_start < start + len(chrome)), (chrome, m.expression)
                start = text.find(chrome, start + 1)


def test_invisible_characters_do_not_split_numbers():
    text = "1. Mục\n\nGRDP đạt 4.\u200b128 tỷ đồng; nông nghiệp 1\u00a0040,1 tỷ đồng; dịch vụ 52\u2060 tỷ đồng.\n"
    document = parse_document(text, "x.txt")
    mentions = Extractor(Metadata()).document_mentions(document)
    assert [(m.value, m.unit_id) for m in mentions] == [
        (Decimal("4128"), "ty_dong"),
        (Decimal("1040.1"), "ty_dong"),
        (Decimal("52"), "ty_dong"),
    ]
    section = document.section("1")
    for m in mentions:
        assert section.text[m.value_start : m.value_end] == m.value_text


def _statements(tmp_path, body: str):
    path = tmp_path / "r.txt"
    path.write_text(f"Tình hình kinh tế - xã hội 9 tháng năm 2024 tỉnh Long An\n\n{body}\n", encoding="utf-8")
    [report] = run([path], Metadata(), generic_only=True)
    return report


def _facts(report):
    return {
        (o.indicator_id, o.measure, o.period_start, str(o.value), o.unit_id): o.value_text for o in report.observations
    }


def test_month_on_month_before_year_on_year(tmp_path):
    report = _statements(
        tmp_path, "Chỉ số giá tiêu dùng (CPI) tháng 9 tăng 0,4% so với tháng trước và tăng 3,1% so với cùng kỳ."
    )
    facts = _facts(report)
    assert ("cpi", "change_pct_previous_month", "2024-09-01", "0.4", "percent") in facts
    assert ("cpi", "change_pct", "2024-09-01", "3.1", "percent") in facts


def test_month_figure_beside_the_cumulative_one(tmp_path):
    report = _statements(
        tmp_path,
        "Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng tháng 9 ước đạt 3.210 tỷ đồng, "
        "lũy kế 9 tháng đạt 27.450 tỷ đồng.",
    )
    facts = _facts(report)
    assert ("trd_retail_sales_services_revenue", "value", "2024-09-01", "3210", "ty_dong") in facts
    assert ("trd_retail_sales_services_revenue", "value", None, "27450", "ty_dong") in facts


def test_export_import_written_together_is_the_total_and_bare_ty_takes_usd(tmp_path):
    report = _statements(
        tmp_path,
        "Tổng kim ngạch xuất, nhập khẩu đạt 2,1 tỷ USD. Kim ngạch xuất khẩu đạt 1,2 tỷ USD, nhập khẩu 0,9 tỷ.",
    )
    facts = _facts(report)
    assert ("trd_export_import_turnover", "value", None, "2.1", "ty_usd") in facts
    assert ("export_turnover", "value", None, "1.2", "ty_usd") in facts
    assert ("import_turnover", "value", None, "0.9", "ty_usd") in facts


def test_targets_for_the_next_year_are_not_observations(tmp_path):
    report = _statements(tmp_path, "Năm 2025 phấn đấu tốc độ tăng trưởng kinh tế (GRDP) đạt 8,5%.")
    assert report.observations == []
    assert [s.resolution for s in report.statements if s.measure] == ["target"]


def test_every_statement_quotes_its_section(tmp_path):
    report = _statements(tmp_path, "Trong đó, thu nội địa đạt 1.200 tỷ đồng, bằng 75% dự toán tỉnh giao.")
    texts = {s.section_id: s.text for s in report.document.sections}
    for statement in report.statements:
        mention = report.mentions[statement.mention_index]
        assert texts[mention.section_id][mention.quote_start : mention.quote_end] == mention.quote
        assert mention.value_text in mention.quote


def test_eval_prints_recall_and_precision_at_or_above_their_floors():
    result = subprocess.run([*BAOCAO, "eval", str(EVAL)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    overall = result.stdout.strip().splitlines()[-1].split()
    assert overall[0] == "overall"
    recall, precision = (float(overall[i].rstrip("%")) for i in (4, 5))
    assert recall >= 90.0 and precision >= 97.0, result.stdout  # the floors the issue sets, not today's figures
