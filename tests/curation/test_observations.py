import csv
import json
import re
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from baocao.cli import cli
from baocao.core import paths
from baocao.core.errors import BaocaoError
from baocao.core.metadata import Metadata
from baocao.curation.catalog import catalog_of, load_catalog
from baocao.curation.locate import Curator
from baocao.evaluation.coverage import figure_coverage
from baocao.package.pipeline import run
from baocao.reading.numbers import parse_number
from conftest import REPORT


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def observations(built):
    return {row["obs_id"].split("/", 1)[1]: row for row in read_csv(built / "observations.csv")}


def test_every_observation_points_into_its_section(built, observations):
    sections = {row["section_id"]: row["text"] for row in read_csv(built / "sections.csv")}
    assert len(observations) > 450
    for key, row in observations.items():
        text = sections[row["section_id"]]
        assert text[int(row["quote_start"]) : int(row["quote_end"])] == row["quote"], key
        assert row["value_text"] in row["quote"], key
        assert text[int(row["value_start"]) : int(row["value_end"])] == row["value_text"], key
        assert parse_number(row["value_text"]).value == Decimal(row["value"]), key
        sign = -1 if row["change_direction"] == "decrease" else 1
        assert Decimal(row["signed_value"]) == sign * Decimal(row["value"]), key


# One or two observations from every topic: (indicator, measure) -> value_text, value, unit, status
SAMPLE = {
    ("grdp", "value"): ("4.128", "4128", "ty_dong", "normal"),
    ("grdp", "change_pct"): ("5,45", "5.45", "percent", "normal"),
    ("agr_winter_crop_area", "value"): ("1.461", "1461", "ha", "normal"),
    ("agr_spring_cereal_production", "value"): ("84.000", "84000", "tan", "projected"),
    ("ntm_communes_recognised_2023", "value"): ("5", "5", "xa", "normal"),
    ("ind_industrial_production_value", "value"): ("901,0", "901", "ty_dong", "estimated"),
    ("ind_public_investment", "value"): ("541", "541", "ty_dong", "normal"),
    ("trd_retail_sales_services_revenue", "value"): ("4.705", "4705", "ty_dong", "estimated"),
    ("ntp_programmes_implemented", "value"): ("03", "3", "chuong_trinh", "normal"),
    ("ent_new_enterprises", "value"): ("45", "45", "doanh_nghiep", "normal"),
    ("ent_enterprises_total", "value"): ("1.200", "1200", "doanh_nghiep", "approximate"),
    ("bud_revenue_total", "value"): ("386", "386", "ty_dong", "normal"),
    ("bnk_deposits", "value"): ("15.040", "15040", "ty_dong", "estimated"),
    ("bnk_lending_rate_soe_banks", "max"): ("11", "11", "percent_per_year", "normal"),
    ("hed_medical_visits", "value"): ("245.450", "245450", "luot", "normal"),
    ("cul_grassroots_information_sessions", "value"): ("41", "41", "buoi", "normal"),
    ("ict_mobile_broadband_coverage", "value"): ("97", "97", "percent", "normal"),
    ("lab_jobs_created", "value"): ("3.000", "3000", "nguoi", "normal"),
    ("lab_tet_gift_packages_poor_amount", "value"): ("8,6", "8.6", "ty_dong", "lower_bound"),
    ("eth_prestigious_persons_tet_gifts", "value"): ("1.290", "1290", "nguoi", "normal"),
    ("sci_st_tasks_managed", "value"): ("35", "35", "du_an", "normal"),
    ("adm_pci", "value"): ("63,39", "63.39", "diem", "normal"),
    ("adm_sipas", "rank"): ("63", "63", "thu_hang", "normal"),
    ("jus_new_legislation_conference_attendees", "value"): ("4.355", "4355", "nguoi", "approximate"),
    ("sec_military_recruitment", "pct_of_plan"): ("100", "100", "percent", "normal"),
    ("dis_livestock_killed", "value"): ("300", "300", "con", "lower_bound"),
}


@pytest.mark.parametrize("key", sorted(SAMPLE))
def test_sample_observations(observations, key):
    row = observations[f"{key[0]}/{key[1]}"]
    assert (row["value_text"], row["value"], row["unit_id"], row["obs_status"]) == SAMPLE[key]


def test_sample_covers_every_topic_with_observations_and_every_topic_has_some(observations, metadata):
    topics_with_data = {row["topic_id"] for row in observations.values()}
    sampled = {observations[f"{i}/{m}"]["topic_id"] for i, m in SAMPLE}
    assert sampled == topics_with_data
    assert topics_with_data == {topic["id"] for topic in metadata.topics}


def test_changes_reference_dates_and_units(observations):
    pci = observations["adm_pci/change_abs_previous_year"]
    assert (pci["change_direction"], pci["signed_value"]) == ("decrease", "-1.76")
    assert observations["bud_revenue_total/value"]["ref_date"] == "2024-06-17"
    assert observations["bnk_deposits/value"]["ref_date"] == "2024-06-30"
    assert observations["adm_pci/value"]["ref_date"] == ""  # "Ngày 09/5/2024 ... công bố" is not a reference date
    # the report's own unit is kept: 906.750 triệu đồng is not rewritten as tỷ đồng
    local = [r for r in observations.values() if r["value_text"] == "906.750"]
    assert [(r["unit_id"], r["value"]) for r in local] == [("trieu_dong", "906750")]


def test_footnote_4_is_a_table_of_policy_credit_programmes(built, observations):
    programmes = [r for r in observations.values() if r["section_id"].endswith("/fn4")]
    assert len(programmes) == 15
    assert all(r["unit_id"] == "ty_dong" for r in programmes)
    rows = read_csv(built / "policy_credit_programmes.csv")
    assert {r["indicator_id"] for r in programmes} <= {r["indicator_id"] for r in rows}


def test_names_are_bilingual_and_not_copies(built):
    for name, key in (
        ("indicators", "indicator_id"),
        ("units", "unit_id"),
        ("measures", "measure_id"),
        ("topics", "topic_id"),
    ):
        for row in read_csv(built / f"{name}.csv"):
            assert row["name_en"].strip(), (name, row[key])
            if name != "units":  # USD, ha and % are the same in both languages
                assert row["name_en"].strip().lower() != row["name_vi"].strip().lower(), (name, row[key])
    for row in read_csv(built / "indicators.csv"):
        assert row["description_vi"].strip() and row["description_en"].strip(), row["indicator_id"]


def test_glossary_terms_are_used_consistently(built, metadata):
    enforced = [t for t in metadata.glossary if t["enforce"]]
    problems = []
    for row in read_csv(built / "indicators.csv"):
        vi = f"{row['name_vi']} {row['description_vi']}".lower()
        en = f"{row['name_en']} {row['description_en']}".lower()
        for term in enforced:
            if re.search(rf"(?<!\w){re.escape(term['vi'].lower())}(?!\w)", vi) and term["en"].lower() not in en:
                problems.append(f"{row['indicator_id']}: '{term['vi']}' without '{term['en']}'")
    assert problems == []


@pytest.mark.parametrize("table", catalog_of(Metadata()).tables, ids=lambda t: t["id"])
def test_wide_table_has_a_row_per_indicator_stated_and_a_column_per_measure(built, observations, table):
    """The shape metadata gives a wide table: its indicators the report states, in order; its measures."""
    rows = read_csv(built / f"{table['id']}.csv")
    measures = [c["measure"] for c in table["columns"]]
    stated = {
        row["indicator_id"]
        for row in observations.values()
        if row["measure"] in measures and (row["period_start"], row["period_end"]) == ("2024-01-01", "2024-06-30")
    }
    assert [r["indicator_id"] for r in rows] == [i for i in table["rows"] if i in stated]
    assert list(rows[0]) == ["report_id", "indicator_id", "name_vi", "name_en", "unit_id", *measures]


def test_grdp_by_sector(built):
    rows = {r["indicator_id"]: r for r in read_csv(built / "grdp_by_sector.csv")}
    assert (rows["grdp"]["value"], rows["grdp"]["change_pct"], rows["grdp"]["share_pct"]) == ("4128", "5.45", "")
    assert (rows["va_services"]["value"], rows["va_services"]["share_pct"]) == ("2312.6", "56.1")
    descriptor = json.loads((built / "datapackage.json").read_text())
    resource = next(r for r in descriptor["resources"] if r["name"] == "grdp_by_sector")
    titles = {f["name"]: (f["title"], f["i18n"]["en"]["title"]) for f in resource["schema"]["fields"]}
    assert titles["value"] == ("Giá trị (tỷ đồng)", "Value (billion VND)")


def test_wide_tables_in_other_units_are_converted(built):
    rows = {r["indicator_id"]: r for r in read_csv(built / "public_investment_by_source.csv")}
    local = rows["ind_public_investment_local_budget"]
    assert (local["unit_id"], local["plan"]) == ("ty_dong", "906.75")  # 906.750 triệu đồng, in tỷ đồng


def test_sqlite_views_equal_the_csv_tables(built, tmp_path):
    from baocao.database.load import load_package

    db = tmp_path / "b.db"
    load_package(built, db)
    descriptor = json.loads((built / "datapackage.json").read_text())
    connection = sqlite3.connect(db)
    views = {r[0] for r in connection.execute("select name from sqlite_master where type = 'view'")}
    wide = [r for r in descriptor["resources"] if "sqlView" in r]
    assert views == {r["name"] for r in wide} and len(wide) >= 16
    for resource in wide:
        csv_rows = read_csv(built / resource["path"])
        cursor = connection.execute(f"select * from [{resource['name']}]")
        names = [d[0] for d in cursor.description]
        db_rows = [dict(zip(names, row, strict=True)) for row in cursor]
        assert len(db_rows) == len(csv_rows), resource["name"]
        for db_row, csv_row in zip(db_rows, csv_rows, strict=True):
            for name in names:
                expected = csv_row[name]
                if isinstance(db_row[name], float):
                    assert db_row[name] == pytest.approx(float(expected)), (resource["name"], name)
                else:
                    assert (db_row[name] if db_row[name] is not None else "") == expected, (resource["name"], name)


def test_checks_find_the_reports_real_inconsistencies(built):
    rows = read_csv(built / "checks.csv")
    failed = {r["check_id"].split("/", 1)[1]: r for r in rows if r["status"] == "fail"}
    assert set(failed) == {
        "agr_apricot_production.pct_of_plan",  # 3.027/3.046 tấn is 99,4%, not 99,9%
        "bud_expenditure_investment.pct_of_estimate",  # 578/2.157,1 tỷ đồng is 26,8%, not 33%
        "ind_public_investment.pct_of_plan",  # 541/2.430,6 tỷ đồng is 22,3%, not 25%
    }
    assert Decimal(failed["bud_expenditure_investment.pct_of_estimate"]["actual"]) == Decimal("26.80")
    passed = [r for r in rows if r["status"] == "pass"]
    assert len(passed) >= 60
    grdp = next(r for r in rows if r["check_id"].endswith("/grdp.children"))
    assert (grdp["expected"], grdp["actual"], grdp["status"]) == ("4128", "4128.1", "pass")


def test_failed_checks_are_said_on_the_observations(observations):
    row = observations["bud_expenditure_investment/pct_of_estimate"]
    assert row["check_status"] == "fail"
    assert row["failed_checks"] == "bac-kan-2024-h1/bud_expenditure_investment.pct_of_estimate"
    assert row["value"] == "33"  # published as the report states it
    assert observations["grdp/value"]["check_status"] == "pass"


def test_every_figure_of_part_i_is_covered():
    rows, summary = figure_coverage(REPORT)
    uncovered = [(r["section_id"], r["value_text"], r["unit_id"]) for r in rows if not r["covered"]]
    # the goal "phấn đấu hoàn thành 100% kịch bản" and the age "100 tuổi" in "người cao tuổi tròn 100 tuổi"
    assert uncovered == [("I.4", "100", "percent"), ("I.9.4", "100", "tuoi")]
    assert len(rows) > 450


# -- the catalog's rules, on a copy of metadata/ -----------------------------------------------


@pytest.fixture
def meta_copy(tmp_path) -> Path:
    target = tmp_path / "metadata"
    shutil.copytree(paths.METADATA, target)
    return target


LOCATORS = "locators/bac-kan-2024-h1/economy.yaml"  # where the first report states its economy figures


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_locator_that_matches_nothing_names_the_indicator(meta_copy):
    _edit(meta_copy / LOCATORS, "GRDP theo giá so sánh\\\\) đạt {value}", "GRDP thực tế đạt {value}")
    with pytest.raises(BaocaoError, match=r"economy.yaml: indicator grdp \(value\): pattern matches nothing"):
        run([REPORT], Metadata(meta_copy))


def test_locator_that_matches_twice_names_the_indicator(meta_copy):
    _edit(meta_copy / LOCATORS, '"^- Dịch vụ đạt {value} tỷ đồng"', '"đạt {value} tỷ đồng"')
    with pytest.raises(BaocaoError, match=r"indicator va_services \(value\): pattern matches 7 places"):
        run([REPORT], Metadata(meta_copy))


def test_status_needs_its_word_in_the_sentence(meta_copy):
    _edit(
        meta_copy / LOCATORS,
        '{measure: value, section: I.1, pattern: "GRDP theo',
        '{measure: value, status: estimated, section: I.1, pattern: "GRDP theo',
    )
    with pytest.raises(BaocaoError, match=r"status 'estimated' needs one of"):
        run([REPORT], Metadata(meta_copy))


def test_unknown_key_in_an_indicator_file(meta_copy):
    _edit(meta_copy / "indicators/economy.yaml", "    unit: ty_dong\n", "    unit: ty_dong\n    colour: red\n")
    with pytest.raises(BaocaoError, match=r"economy.yaml: \$\.indicators\[0\] \(grdp\): unknown key 'colour'"):
        load_catalog(Metadata(meta_copy))


def test_unit_missing_from_the_unit_list(meta_copy):
    _edit(meta_copy / "indicators/economy.yaml", "    unit: ty_dong\n", "    unit: ty_rupee\n")
    with pytest.raises(BaocaoError, match=r"indicator grdp: unit 'ty_rupee' is not in metadata/units.yaml"):
        load_catalog(Metadata(meta_copy))


def test_a_correction_changes_the_value_and_says_why(meta_copy):
    (meta_copy / "corrections.yaml").write_text(
        "corrections:\n  - {report: bac-kan-2024-h1, indicator: grdp, measure: value, value_text: '4.128', "
        "value: 4128.1, reason: the sum of the sectors}\n",
        encoding="utf-8",
    )
    [report] = run([REPORT], Metadata(meta_copy))
    grdp = next(o for o in report.observations if (o.indicator_id, o.measure) == ("grdp", "value"))
    assert (grdp.value, grdp.value_text, grdp.correction) == (Decimal("4128.1"), "4.128", "the sum of the sectors")


def test_a_correction_must_name_what_the_report_says(meta_copy):
    (meta_copy / "corrections.yaml").write_text(
        "corrections:\n  - {report: bac-kan-2024-h1, indicator: grdp, measure: value, value_text: '4.129', "
        "value: 4128.1, reason: x}\n",
        encoding="utf-8",
    )
    with pytest.raises(BaocaoError, match=r"expects '4.129', the report says '4.128'"):
        run([REPORT], Metadata(meta_copy))


def test_locate_command_lists_each_figure_found_then_the_checks_and_exits_0(metadata):
    economy = paths.METADATA / "indicators/economy.yaml"
    locators = sum(len(i.locators) for i in load_catalog(metadata, [economy]).indicators.values())
    result = CliRunner().invoke(cli, ["locate", str(economy)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sum(line.startswith("ok   ") for line in lines) == locators
    assert lines[-1] == f"{locators} observation(s), 0 failure(s)"
    assert "check PASS grdp.children" in result.output


def test_locate_command_lists_a_failing_locator_and_exits_2(meta_copy):
    economy = meta_copy / LOCATORS
    text = economy.read_text(encoding="utf-8")
    economy.write_text(text.replace("section: I.1,", "section: I.99,", 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--metadata", str(meta_copy), "locate", str(economy)])
    assert result.exit_code == 2
    fails = [line for line in result.stdout.splitlines() if line.startswith("FAIL ")]
    assert len(fails) >= 1 and "'I.99'" in fails[0]
    assert result.stderr == f"baocao: error: {len(fails)} locator(s) failed\n"


def test_curator_checks_directly(metadata):
    [report] = run([REPORT], metadata)
    curator = Curator(metadata)
    results = {r.id: r for r in curator.checks(report.observations, report.report_id)}
    assert results["economic_structure_sums_to_100"].status == "pass"
    assert results["economic_structure_sums_to_100"].actual == Decimal("99.97")


def test_a_second_report_layout_has_locators_of_its_own(meta_copy, tmp_path):
    """metadata/locators/<layout>/ says where one report writes a figure; another report gets its own file."""
    text = REPORT.read_text(encoding="utf-8").replace(
        "(GRDP theo giá so sánh) đạt 4.128 tỷ đồng", "(GRDP theo giá so sánh) ước tính là 4.128 tỷ đồng"
    )
    other = tmp_path / "bac-kan-2024-h1-ban-sao.txt"
    other.write_text(text, encoding="utf-8")
    layout = meta_copy / "locators" / "bac-kan-2024-h1-ban-sao"
    layout.mkdir()
    (layout / "economy.yaml").write_text(
        "report: bac-kan-2024-h1-ban-sao\n"
        "indicators:\n"
        "  - id: grdp\n"
        "    locate:\n"
        '      - {measure: value, section: I.1, pattern: "GRDP theo giá so sánh\\\\) ước tính là {value} tỷ đồng"}\n',
        encoding="utf-8",
    )
    metadata = Metadata(meta_copy)
    [first, second] = run([REPORT, other], metadata)
    assert second.report_id == "bac-kan-2024-h1-ban-sao"
    for report in (first, second):
        grdp = next(o for o in report.observations if (o.indicator_id, o.measure) == ("grdp", "value"))
        assert grdp.value_text == "4.128"
    found = {(c.indicator_id, c.measure): c.source for c in second.coverage if c.observation is not None}
    assert found[("grdp", "value")] == "report"  # its own locator, not the first report's nor a standard one
