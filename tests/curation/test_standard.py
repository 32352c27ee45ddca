"""A new report without new code: standard indicators, inferred provenance, several reports in one dataset."""

import csv
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from baocao.core import paths
from baocao.core.metadata import Metadata
from baocao.package.pipeline import run
from baocao.package.tables import obs_id
from baocao.reading.report_period import period_of
from conftest import FIXTURES, REPORT, build_site_files, serving

REPORTS = FIXTURES / "reports"


@pytest.fixture(scope="module")
def curated():
    metadata = Metadata()
    reports = run(sorted(REPORTS.glob("*.txt")), metadata)
    return {r.report_id: r for r in reports}


def published_observations() -> set[str]:
    """The observation ids of the committed package (tests/package/test_package.py keeps it equal to a fresh build)."""
    with open(paths.DATAPACKAGE / "observations.csv", encoding="utf-8", newline="") as handle:
        return {row["obs_id"] for row in csv.DictReader(handle)}


def found(report, indicator_id, measure="value"):
    [item] = [c for c in report.coverage if (c.indicator_id, c.measure) == (indicator_id, measure)]
    assert item.source == "standard"
    return item


# (indicator, measure) -> (value_text, value, unit, status), in each test report
EXPECTED = {
    "bac-kan-2024-9m": {
        ("grdp", "value"): ("6.310,5", "6310.5", "ty_dong", "estimated"),
        ("grdp", "change_pct"): ("5,62", "5.62", "percent", "normal"),
        ("va_agriculture", "change_pct"): ("3,8", "3.8", "percent", "normal"),
        ("grdp_per_capita", "value"): ("38,2", "38.2", "trieu_dong", "estimated"),
        ("cpi", "change_pct"): ("3,45", "3.45", "percent", "normal"),
        ("industrial_production_index", "change_pct"): ("8,7", "8.7", "percent", "normal"),
        ("trd_retail_sales_services_revenue", "value"): ("7.150", "7150", "ty_dong", "estimated"),
        ("export_turnover", "value"): ("18,3", "18.3", "trieu_usd", "estimated"),
        ("import_turnover", "value"): ("6,2", "6.2", "trieu_usd", "estimated"),
        ("bud_revenue_total", "value"): ("598", "598", "ty_dong", "normal"),
        ("bud_revenue_total", "pct_of_estimate"): ("61", "61", "percent", "normal"),
        ("bud_expenditure_investment", "value"): ("1.210", "1210", "ty_dong", "normal"),
        ("bnk_deposits", "change_pct_start_of_year"): ("8,5", "8.5", "percent", "normal"),
        ("bad_debt_ratio", "value"): ("0,95", "0.95", "percent", "normal"),
        ("ind_public_investment", "value"): ("1.270", "1270", "ty_dong", "normal"),
        ("ind_public_investment", "pct_of_plan"): ("52,3", "52.3", "percent", "normal"),
        ("ent_new_enterprises", "value"): ("72", "72", "doanh_nghiep", "normal"),
        ("ntm_average_criteria_per_commune", "value"): ("13,1", "13.1", "tieu_chi_per_xa", "normal"),
        ("sec_traffic_deaths", "value"): ("14", "14", "nguoi", "normal"),
    },
    "dong-son-2023": {
        ("grdp", "value"): ("18.240", "18240", "ty_dong", "normal"),
        ("grdp", "change_pct"): ("6,8", "6.8", "percent", "estimated"),
        ("va_agriculture", "share_pct"): ("22,4", "22.4", "percent", "normal"),
        ("product_taxes", "share_pct"): ("4,3", "4.3", "percent", "normal"),
        ("grdp_per_capita", "value"): ("52,6", "52.6", "trieu_dong_per_nguoi", "normal"),
        ("trd_export_import_turnover", "value"): ("412", "412", "trieu_usd", "normal"),
        ("trd_tourists", "value"): ("2,1", "2.1", "trieu_luot", "normal"),
        ("bud_revenue_total", "pct_of_central_estimate"): ("104", "104", "percent", "normal"),
        ("bnk_deposits", "change_pct_start_of_year"): ("9,6", "9.6", "percent", "normal"),
        ("bad_debt_ratio", "value"): ("0,72", "0.72", "percent", "normal"),
        ("ind_public_investment", "plan"): ("6.120", "6120", "ty_dong", "normal"),
        ("ind_public_investment", "pct_of_plan"): ("95,4", "95.4", "percent", "normal"),
        ("agr_forest_planting_area", "value"): ("8.900", "8900", "ha", "normal"),
        ("sec_social_order_crimes", "value"): ("402", "402", "vu", "normal"),
        ("sec_traffic_injuries", "value"): ("121", "121", "nguoi", "normal"),
    },
    "tay-phong-2025-h1": {
        ("grdp", "value"): ("9.850.600", "9850600", "trieu_dong", "estimated"),
        ("grdp", "change_pct"): ("7,12", "7.12", "percent", "normal"),
        ("va_services", "change_pct"): ("7,3", "7.3", "percent", "normal"),
        ("cpi", "change_pct"): ("2,9", "2.9", "percent", "normal"),
        ("trd_tourists", "value"): ("1,35", "1.35", "trieu_luot", "normal"),
        ("bud_revenue_total", "pct_of_estimate"): ("52,1", "52.1", "percent", "normal"),
        ("bnk_credit_outstanding", "change_pct_start_of_year"): ("5,2", "5.2", "percent", "normal"),
        ("ent_new_enterprises_capital", "value"): ("2.340", "2340", "ty_dong", "normal"),
        ("lab_jobs_created", "value"): ("9.600", "9600", "nguoi", "normal"),
        ("sec_traffic_accidents", "value"): ("48", "48", "vu", "normal"),
    },
}


@pytest.mark.parametrize("report_id", sorted(EXPECTED))
def test_standard_indicators_are_found_with_the_right_values(curated, report_id):
    report = curated[report_id]
    for (indicator_id, measure), expected in EXPECTED[report_id].items():
        item = found(report, indicator_id, measure)
        assert item.status == "found", (report_id, indicator_id, measure)
        o = item.observation
        assert (o.value_text, str(o.value), o.unit_id, o.obs_status) == expected, (indicator_id, measure)
        assert o.quote[o.value_start - o.quote_start :].startswith(o.value_text)


def test_what_a_report_does_not_state_is_not_found(curated):
    dong_son = curated["dong-son-2023"]
    assert found(dong_son, "export_turnover").status == "not_found"  # it gives export and import together
    assert found(dong_son, "va_services", "change_pct").status == "not_found"  # only shares
    assert found(dong_son, "bnk_credit_outstanding", "change_pct_start_of_year").status == "not_found"  # no base
    assert found(curated["tay-phong-2025-h1"], "ind_public_investment", "plan").status == "not_found"


def test_periods_and_provenance_are_inferred_and_flagged(curated):
    expected = {
        "bac-kan-2024-9m": ("2024-01-01", "2024-09-30", "Bắc Kạn", "Ủy ban nhân dân tỉnh Bắc Kạn"),
        "dong-son-2023": ("2023-01-01", "2023-12-31", "Yên Bái", "Ủy ban nhân dân tỉnh Yên Bái"),
        "tay-phong-2025-h1": ("2025-01-01", "2025-06-30", "Hà Tĩnh", "Ủy ban nhân dân tỉnh Hà Tĩnh"),
    }
    for report_id, (start, end, province, issuer) in expected.items():
        prov = curated[report_id].provenance
        assert (prov["period_start"], prov["period_end"], prov["province"], prov["issuer_vi"]) == (
            start,
            end,
            province,
            issuer,
        )
        assert prov["inferred"] is True


@pytest.mark.parametrize(
    "title, period",
    [
        ("Tình hình kinh tế - xã hội 6 tháng đầu năm 2024", ("2024-01-01", "2024-06-30")),
        ("Báo cáo 9 tháng năm 2024", ("2024-01-01", "2024-09-30")),
        ("Phương hướng 6 tháng cuối năm 2024", ("2024-07-01", "2024-12-31")),
        ("Tình hình kinh tế - xã hội quý III năm 2024", ("2024-07-01", "2024-09-30")),
        ("Kết quả thực hiện kế hoạch năm 2023", ("2023-01-01", "2023-12-31")),
        ("Một báo cáo không có kỳ", None),
    ],
)
def test_period_of_a_title(title, period):
    found = period_of(title)
    assert ((found.start, found.end) if found else None) == period


def test_the_first_report_keeps_its_own_locators_and_gives_the_published_observations():
    [report] = run([REPORT], Metadata())
    sources = {c.source for c in report.coverage if c.status == "found"}
    assert sources == {"report"}
    assert {obs_id(report.report_id, o) for o in report.observations} == published_observations()
    standard = [c for c in report.coverage if c.source == "standard"]
    assert standard and all(c.status == "not_found" for c in standard)  # CPI, IIP... are not in it


@pytest.fixture(scope="module")
def several(tmp_path_factory):
    """The real report and the three test reports, built together with the CLI."""
    out = tmp_path_factory.mktemp("several") / "datapackage"
    result = subprocess.run(
        [sys.executable, "-m", "baocao", "build", "--source", str(REPORT), "--source", str(REPORTS), "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return out, result


def test_onboarding_prints_provenance_and_coverage(several):
    _, result = several
    lines = result.stderr.splitlines()
    assert any(
        "dong-son-2023.txt: no record in metadata/sources.yaml: provenance inferred from the text" in line
        for line in lines
    )
    assert f"baocao: {REPORTS / 'dong-son-2023.txt'}: standard indicators: 35 found, 14 not found, 0 ambiguous" in lines


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_several_reports_one_dataset(several):
    out, _ = several
    result = subprocess.run([sys.executable, "-m", "baocao", "validate", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    reports = {r["report_id"]: r for r in read_csv(out / "reports.csv")}
    assert set(reports) == {"bac-kan-2024-h1", "bac-kan-2024-9m", "dong-son-2023", "tay-phong-2025-h1"}
    assert reports["bac-kan-2024-h1"]["provenance"] == "recorded"
    assert reports["tay-phong-2025-h1"]["provenance"] == "inferred"
    grdp = {
        (o["report_id"], o["period_end"]): (o["value"], o["unit_id"])
        for o in read_csv(out / "observations.csv")
        if (o["indicator_id"], o["measure"]) == ("grdp", "value")
    }
    assert grdp == {
        ("bac-kan-2024-h1", "2024-06-30"): ("4128", "ty_dong"),
        ("bac-kan-2024-9m", "2024-09-30"): ("6310.5", "ty_dong"),
        ("dong-son-2023", "2023-12-31"): ("18240", "ty_dong"),
        ("tay-phong-2025-h1", "2025-06-30"): ("9850600", "trieu_dong"),
    }
    coverage = read_csv(out / "coverage.csv")
    statuses = {(c["report_id"], c["indicator_id"], c["measure"]): c["status"] for c in coverage}
    assert statuses[("dong-son-2023", "cpi", "change_pct")] == "found"
    assert statuses[("tay-phong-2025-h1", "bad_debt_ratio", "value")] == "not_found"
    descriptor = json.loads((out / "datapackage.json").read_text())
    assert descriptor["temporal"] == {"start": "2023-01-01", "end": "2025-06-30"}


def test_the_site_shows_the_reports_side_by_side(several, tmp_path):
    out, _ = several
    db, site_dir = build_site_files(out, tmp_path)
    with serving(db, site_dir) as base:
        html = urllib.request.urlopen(base + "/", timeout=10).read().decode()
        assert "Các báo cáo đặt cạnh nhau" in html
        header = html[html.index('<table class="compare">') : html.index("</thead>")]
        columns = re.findall(r'<th>([^<]+)<br><span class="period">([^<]+)</span></th>', header)
        # like periods only: the two six-month reports, not the year's or the nine months'
        assert columns == [
            ("Bắc Kạn", "2024-01-01 – 2024-06-30"),
            ("Hà Tĩnh", "2025-01-01 – 2025-06-30"),
        ]
        # 9.850.600 triệu đồng, side by side with the others in tỷ đồng
        assert "9.850,6" in html and "/assets/charts/across_reports.vi.svg" in html
        rows = json.loads(
            urllib.request.urlopen(base + "/baocao/across_reports.json?_shape=array&indicator=grdp", timeout=10).read()
        )
        values = [(r["report_id"], r["value"]) for r in rows if r["measure"] == "value"]
        assert values == [
            ("dong-son-2023", 18240),
            ("bac-kan-2024-h1", 4128),
            ("bac-kan-2024-9m", 6310.5),
            ("tay-phong-2025-h1", 9850600),
        ]


def test_a_standard_figure_takes_the_period_its_clause_states_and_a_flow_to_a_date_counts_from_january(tmp_path):
    report = tmp_path / "ha-nam-2027-q3.txt"
    report.write_text(
        "ỦY BAN NHÂN DÂN TỈNH HÀ NAM\nSố: 12/BC-UBND\nHà Nam, ngày 05 tháng 10 năm 2027\n\nBÁO CÁO\n"
        "Tình hình kinh tế - xã hội quý III năm 2027\n\nI. KẾT QUẢ THỰC HIỆN\n\n1. Tài chính\n\n"
        "Tổng thu ngân sách nhà nước trên địa bàn quý III ước đạt 1.234 tỷ đồng. Tổng chi ngân sách địa phương "
        "9 tháng ước đạt 5.678 tỷ đồng, bằng 65% dự toán. Giải ngân vốn đầu tư công đến ngày 30/9 đạt 2.345 tỷ "
        "đồng, bằng 55% kế hoạch năm.\n",
        encoding="utf-8",
    )
    [read] = run([report], Metadata())
    periods = {o.value_text: (o.period_start, o.period_end) for o in read.observations}
    quarter = (read.provenance["period_start"], read.provenance["period_end"])
    assert quarter == ("2027-07-01", "2027-09-30")
    assert periods["1.234"] in ((None, None), quarter)  # the quarter's: the report's period
    assert periods["5.678"] == periods["65"] == ("2027-01-01", "2027-09-30")
    assert periods["2.345"] == periods["55"] == ("2027-01-01", "2027-09-30")
