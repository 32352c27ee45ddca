import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from baocao.cli import cli
from baocao.core import paths
from conftest import FIXTURES, REPORT

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name):
    command = cli.commands[name]
    assert command.help and "Example:" in command.help, name
    assert f"baocao {name}" in README, f"`baocao {name}` is not documented in README.md"
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def test_python_dash_m_works():
    result = subprocess.run([sys.executable, "-m", "baocao", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("baocao, version ")


def test_extract_json_prints_each_figure_typed_with_its_sentence():
    args = ["extract", str(FIXTURES / "numbers.txt"), "--format", "json"]
    args += ["--province", "Bắc Kạn", "--period", "2024-H1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    text = (FIXTURES / "numbers.txt").read_text(encoding="utf-8")
    first = rows[0]
    assert (first["value"], first["unit_id"], first["measure"]) == (4128, "ty_dong", "value")
    assert first["subject"] == "Tổng sản phẩm"
    assert (first["period_start"], first["period_end"]) == ("2024-01-01", "2024-06-30")
    assert first["quote"] == text.splitlines()[2]
    growth = rows[1]
    assert (growth["value"], growth["measure"], growth["subject"]) == (5.45, "change_pct", "Tổng sản phẩm")
    for row in rows:  # every statement carries its sentence and the figure's place in it
        assert row["quote"] in text
        assert row["quote"][row["value_start"] - row["quote_start"] :].startswith(row["value_text"])
        assert row["resolution"] in ("curated", "standard", "vocabulary", "ambiguous", "unmapped", "target")


def test_extract_gives_each_change_its_direction_and_signed_value_and_says_what_it_inferred(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(
        "Tình hình kinh tế - xã hội năm 2027 tỉnh Hà Nam\n\n"
        "Tổng thu ngân sách đạt 1.234 tỷ đồng, giảm 2,1% so với năm trước; chỉ số giá tiêu dùng tăng 3,4%.\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["extract", str(report), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = {r["value_text"]: r for r in json.loads(result.stdout)}
    assert (rows["2,1"]["change_direction"], rows["2,1"]["signed_value"]) == ("decrease", -2.1)
    assert (rows["3,4"]["change_direction"], rows["3,4"]["signed_value"]) == ("increase", 3.4)
    assert rows["1.234"]["value"] == 1234 and rows["1.234"]["change_direction"] is None
    assert "provenance read from the text" in result.stderr and "Hà Nam" in result.stderr


def test_extract_without_a_province_names_the_flag_and_exits_2():
    result = CliRunner().invoke(cli, ["extract", str(FIXTURES / "numbers.txt")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "--province" in result.stderr


def test_extract_csv_of_the_real_report_resolves_its_figures():
    result = CliRunner().invoke(cli, ["extract", str(REPORT)])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    grdp = next(r for r in rows if r["value_text"] == "4.128")
    assert (grdp["indicator_id"], grdp["measure"], grdp["unit_id"]) == ("grdp", "value", "ty_dong")
    assert grdp["resolution"] in ("curated", "standard")
    assert {r["resolution"] for r in rows} >= {"curated", "unmapped"}


def test_usage_error_exits_2():
    result = CliRunner().invoke(cli, ["extract"])
    assert result.exit_code == 2 and "Missing argument 'FILE'" in result.stderr


def test_bad_input_is_one_line_without_traceback_in_a_real_process():
    path = FIXTURES / "bad" / "utf16.txt"
    result = subprocess.run([sys.executable, "-m", "baocao", "extract", str(path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == f"baocao: error: {path}: is UTF-16 encoded; save it as UTF-8 text\n"
    assert result.stdout == ""


# --- project folders ---


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_creates_a_project_with_the_standard_metadata_and_a_sample_report(tmp_path):
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "reports")])
    assert result.exit_code == 0, result.stderr
    project = tmp_path / "reports"
    assert sorted(p.name for p in project.iterdir()) == [
        ".github",
        ".gitignore",
        "build",
        "datapackage",
        "metadata",
        "sources",
    ]
    assert snapshot(project / "metadata") == snapshot(paths.METADATA)
    [sample] = (project / "sources").iterdir()
    assert sample.read_bytes() == REPORT.read_bytes()
    assert not any((project / "datapackage").iterdir()) and not any((project / "build").iterdir())


def test_init_refuses_a_folder_that_is_not_empty_and_writes_nothing(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"baocao: error: {tmp_path}: exists and is not an empty folder; a project is created in a new or empty one\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.fixture
def project(tmp_path) -> Path:
    assert CliRunner().invoke(cli, ["init", str(tmp_path / "project")]).exit_code == 0
    return tmp_path / "project"


def test_a_command_outside_any_project_says_so_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAOCAO_PROJECT", raising=False)
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 2
    assert (
        result.stderr.startswith(f"baocao: error: {tmp_path}: not inside a baocao project")
        and result.stderr.count("\n") == 1
    )
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("where", ["group", "command", "environment", "working directory"])
def test_the_project_is_named_or_found_the_same_way_by_every_route(project, tmp_path, monkeypatch, where):
    monkeypatch.delenv("BAOCAO_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path)
    args = {
        "group": ["--project", str(project), "build"],
        "command": ["build", "--project", str(project)],
        "environment": ["build"],
        "working directory": ["build"],
    }[where]
    if where == "environment":
        monkeypatch.setenv("BAOCAO_PROJECT", str(project))
    if where == "working directory":
        monkeypatch.chdir(project / "sources")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"built {project / 'datapackage'} from 1 report(s)")


def test_validate_takes_the_package_as_load_and_site_do_and_as_before(project):
    assert CliRunner().invoke(cli, ["--project", str(project), "build"]).exit_code == 0
    package = project / "datapackage"
    for args in (["validate", "--package", str(package)], ["validate", str(package)], ["validate"]):
        result = CliRunner().invoke(cli, ["--project", str(project), *args])
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(f"valid: {package / 'datapackage.json'}")


def test_an_invalid_package_is_listed_on_stdout_and_named_on_stderr_with_exit_1(project):
    assert CliRunner().invoke(cli, ["--project", str(project), "build"]).exit_code == 0
    (project / "datapackage" / "units.csv").write_bytes(b"unit_id\nx\n")
    result = CliRunner().invoke(cli, ["--project", str(project), "validate"])
    assert result.exit_code == 1
    assert result.stdout.startswith("invalid: ")
    assert result.stderr.startswith(f"baocao: error: {project / 'datapackage'}: not valid: ")


def test_record_writes_a_new_reports_record_and_build_then_reads_it_without_writing(project):
    report = FIXTURES / "reports" / "dong-son-2023.txt"
    copy = project / "sources" / report.name
    shutil.copy(report, copy)
    sources_yaml = project / "metadata" / "sources.yaml"
    before = sources_yaml.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["--project", str(project), "record", str(copy)])
    assert result.exit_code == 0, result.stderr
    after = sources_yaml.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))  # the file's comments and records are kept
    [record] = [r for r in yaml.safe_load(after)["reports"] if r["file"] == report.name]
    assert record["sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
    assert (str(record["period_start"]), str(record["period_end"])) == ("2023-01-01", "2023-12-31")
    built = CliRunner().invoke(cli, ["--project", str(project), "build"])
    assert built.exit_code == 0, built.stderr
    assert "provenance inferred" not in built.stderr  # recorded now
    assert sources_yaml.read_text(encoding="utf-8") == after


def test_record_takes_every_fixture_and_evaluation_report_and_the_build_reads_them(project):
    """Reports without a "Kính gửi" line (press releases, articles) included; the evaluation reports with the
    province and period their facts give, as a publisher answers when the reader asks."""
    runner = CliRunner()
    for report in sorted((FIXTURES / "reports").glob("*.txt")) + sorted((ROOT / "eval").glob("*.txt")):
        copy = project / "sources" / report.name
        shutil.copy(report, copy)
        facts = report.with_suffix(".yaml")
        flags = []
        if facts.exists():
            known = yaml.safe_load(facts.read_text(encoding="utf-8"))
            start, end = (str(day) for day in known["period"])
            flags = ["--province", "national" if known["province"] == "Cả nước" else known["province"]]
            flags += ["--period", f"{start}/{end}"]
        result = runner.invoke(cli, ["--project", str(project), "record", str(copy), *flags])
        assert result.exit_code == 0, (report.name, result.stderr)
    records = yaml.safe_load((project / "metadata" / "sources.yaml").read_text(encoding="utf-8"))["reports"]
    assert {r["file"] for r in records} >= {p.name for p in (project / "sources").iterdir()}
    assert any("addressee_vi" not in r for r in records)  # the articles have none, and need none
    built = runner.invoke(cli, ["--project", str(project), "build"])
    assert built.exit_code == 0, built.stderr
    assert "provenance inferred" not in built.stderr


def test_record_of_an_unchanged_report_writes_nothing(project):
    sources_yaml = project / "metadata" / "sources.yaml"
    before = sources_yaml.stat().st_mtime_ns
    [sample] = (project / "sources").iterdir()
    result = CliRunner().invoke(cli, ["--project", str(project), "record", str(sample)])
    assert result.exit_code == 0 and "already recorded" in result.stdout
    assert sources_yaml.stat().st_mtime_ns == before


def test_no_command_calls_sys_exit_itself():
    package = ROOT / "scripts" / "baocao"
    modules = [*sorted((package / "cli").glob("*.py")), package / "evaluation/review.py"]
    modules.append(package / "package/pipeline.py")
    assert len(modules) >= 6
    for module in modules:
        text = module.read_text(encoding="utf-8")
        assert "sys.exit" not in text, module


def test_site_of_a_project_without_the_charted_figures_leaves_them_out_and_says_so(project):
    for old in (project / "sources").iterdir():
        old.unlink()
    report = project / "sources" / "ha-nam-2027-q1.txt"
    report.write_text(
        "Tình hình kinh tế - xã hội quý I năm 2027 tỉnh Hà Nam\n\n"
        "Tổng thu ngân sách nhà nước trên địa bàn quý I ước đạt 3.456 tỷ đồng, bằng 21,5% dự toán năm.\n",
        encoding="utf-8",
    )
    sources_yaml = project / "metadata" / "sources.yaml"
    data = yaml.safe_load(sources_yaml.read_text(encoding="utf-8"))
    sources_yaml.write_text(yaml.safe_dump({**data, "reports": []}, allow_unicode=True), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["--project", str(project), "record", str(report)]).exit_code == 0
    assert runner.invoke(cli, ["--project", str(project), "build"]).exit_code == 0
    result = runner.invoke(cli, ["--project", str(project), "site", "--no-downloads"])
    assert result.exit_code == 0, result.stderr
    site = yaml.safe_load((project / "metadata" / "site.yaml").read_text(encoding="utf-8"))
    for chart in site["charts"]:
        assert (
            f"chart {chart['id']!r} left out" in result.stderr
            or (project / "build" / "site" / "assets" / "charts" / f"{chart['id']}.vi.svg").exists()
        )
    assert "key figure 'grdp.value' left out" in result.stderr
    landing = json.loads((project / "build" / "site" / "site.json").read_text(encoding="utf-8"))["landing"]
    assert [k["name_vi"] for k in landing["key_figures"]] and all(
        "GRDP" not in k["name_vi"] for k in landing["key_figures"]
    )
