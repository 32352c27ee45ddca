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


def test_extract_json():
    result = CliRunner().invoke(cli, ["extract", str(FIXTURES / "numbers.txt"), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0] == {
        "section_id": "1",
        "value": "4128",
        "value_text": "4.128",
        "unit_id": "ty_dong",
        "role": "single",
        "expression": "4.128 tỷ đồng",
        "qualifier": None,
        "obs_status": "normal",
        "kind": "quantity",
        "notation": "vi",
        "quote": "Tổng sản phẩm đạt 4.128 tỷ đồng, tăng trưởng 5,45%; ngành nông nghiệp đạt 1.040,1 tỷ đồng.",
    }
    assert len(rows) == 18


def test_extract_csv_of_the_real_report():
    result = subprocess.run(
        [sys.executable, "-m", "baocao", "extract", str(paths.SOURCES / "bac-kan-2024-h1.txt")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "section_id,value,value_text,unit_id,role,expression,qualifier,obs_status,kind,notation,quote"
    assert lines[3].startswith("I.1,4128,4.128,ty_dong,single,4.128 tỷ đồng,,normal,quantity,vi,")


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
