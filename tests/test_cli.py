import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from baocao import paths
from baocao.cli import cli
from conftest import FIXTURES

README = (paths.ROOT / "README.md").read_text(encoding="utf-8")


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
    rows = json.loads(result.output)
    text = (FIXTURES / "numbers.txt").read_text(encoding="utf-8")
    first = rows[0]
    assert (first["value"], first["unit_id"], first["measure"]) == ("4128", "ty_dong", "value")
    assert first["subject"] == "Tổng sản phẩm"
    assert (first["period_start"], first["period_end"]) == ("2024-01-01", "2024-06-30")
    assert first["quote"] == text.splitlines()[2]
    growth = rows[1]
    assert (growth["value"], growth["measure"], growth["subject"]) == ("5.45", "change_pct", "Tổng sản phẩm")
    for row in rows:  # every statement carries its sentence and the figure's place in it
        assert row["quote"] in text
        assert row["quote"][row["value_start"] - row["quote_start"] :].startswith(row["value_text"])
        assert row["resolution"] in ("curated", "standard", "vocabulary", "ambiguous", "unmapped", "target")


def test_extract_without_a_province_names_the_flag_and_exits_2():
    result = subprocess.run(
        [sys.executable, "-m", "baocao", "extract", str(FIXTURES / "numbers.txt")], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--province" in result.stderr


def test_extract_csv_of_the_real_report_resolves_its_figures():
    result = subprocess.run(
        [sys.executable, "-m", "baocao", "extract", str(paths.SOURCES / "bac-kan-2024-h1.txt")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    grdp = next(r for r in rows if r["value_text"] == "4.128")
    assert (grdp["indicator_id"], grdp["measure"], grdp["unit_id"]) == ("grdp", "value", "ty_dong")
    assert grdp["resolution"] in ("curated", "standard")
    assert {r["resolution"] for r in rows} >= {"curated", "unmapped"}


def test_usage_error_exits_2():
    result = subprocess.run([sys.executable, "-m", "baocao", "extract"], capture_output=True, text=True)
    assert result.returncode == 2 and "Missing argument 'FILE'" in result.stderr


def test_bad_input_is_one_line_without_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "baocao", "extract", str(FIXTURES / "bad" / "utf16.txt")], capture_output=True, text=True
    )
    assert result.returncode == 2
    path = FIXTURES / "bad" / "utf16.txt"
    assert result.stderr == f"baocao: error: {path}: is UTF-16 encoded; save it as UTF-8 text\n"
    assert result.stdout == ""
