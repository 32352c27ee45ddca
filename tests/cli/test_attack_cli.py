"""What an attacker tried on the command line, each through the real CLI: one line and exit 2, or a package kept.

- sources that are not regular files (a FIFO, a device, a socket, a broken link), too big, or unreadable;
- a package `build` writes that `load` could not read (a cell over the csv module's 131,072 characters);
- kills at each rename of a publish and of a load (``BAOCAO_FAULT`` makes the process SIGKILL itself there);
- `build --out` on a folder that is not a package.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from baocao.cli import cli
from baocao.core import paths
from conftest import one_line

REPORT = paths.SOURCES / "bac-kan-2024-h1.txt"
CSV_FIELD_LIMIT = 131_072  # the csv module's default


def baocao(*args: str, env: dict | None = None, cwd: Path | None = None, prefix: list[str] | None = None):
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "baocao", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its sha256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def beside(path: Path) -> list[str]:
    """The hidden files and folders that writes of ``path`` leave beside it."""
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(f".{path.name}."))


# --- sources: regular files only, under a size limit, read errors in one line ---


@pytest.mark.parametrize("command", ["build", "extract"])
def test_fifo_source_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path, command):
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    args = (
        ["build", "--source", str(fifo), "--out", str(tmp_path / "out")]
        if command == "build"
        else ["extract", str(fifo)]
    )
    one_line(baocao(*args), 2, str(fifo), "named pipe (FIFO), not a regular file")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["build", "extract"])
def test_dev_zero_is_refused_as_a_character_device_instead_of_filling_memory(tmp_path, command):
    args = (
        ["build", "--source", "/dev/zero", "--out", str(tmp_path / "out")]
        if command == "build"
        else ["extract", "/dev/zero"]
    )
    one_line(baocao(*args), 2, "/dev/zero: is a character device, not a regular file")
    assert not (tmp_path / "out").exists()


def test_socket_source_is_refused(tmp_path):
    path = tmp_path / "report.txt"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        one_line(baocao("extract", str(path)), 2, str(path), "is a socket, not a regular file")


def test_broken_symbolic_link_is_refused_by_name(tmp_path):
    link = tmp_path / "report.txt"
    link.symlink_to(tmp_path / "gone.txt")
    one_line(baocao("extract", str(link)), 2, f"{link}: a broken symbolic link")


def test_source_over_the_limit_is_refused_and_max_source_mb_or_its_variable_raises_the_limit(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(b" " * (3 * 1024 * 1024 // 2))  # 1.5 MB of blanks: past the size check, refused as blank
    over = "1.5 MB is over the 1.0 MB limit for a report; raise it with --max-source-mb or BAOCAO_MAX_SOURCE_MB"
    one_line(baocao("extract", str(path), "--max-source-mb", "1"), 2, str(path), over)
    one_line(baocao("extract", str(path), env={"BAOCAO_MAX_SOURCE_MB": "1"}), 2, over)
    out = tmp_path / "out"
    one_line(baocao("build", "--source", str(path), "--out", str(out), "--max-source-mb", "1"), 2, over)
    assert not out.exists()
    one_line(baocao("extract", str(path), "--max-source-mb", "2"), 2, "blank file (only white space)")
    one_line(baocao("extract", str(path)), 2, "blank file (only white space)")  # well under the default


def test_default_limit_is_20_mb_checked_before_reading(tmp_path):
    path = tmp_path / "report.txt"
    with open(path, "wb") as handle:
        handle.truncate(21 * 1024 * 1024)  # sparse: the size is known without a byte being read
    one_line(baocao("extract", str(path)), 2, "21.0 MB is over the 20.0 MB limit for a report")


def test_unreadable_report_inside_a_source_folder_is_one_line_naming_it(tmp_path):
    """A real permission error: the file is mode 000, and the CLI runs without root's power to read it anyway."""
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(REPORT, folder)
    locked = folder / "zz-locked.txt"
    locked.write_text("Báo cáo\n", encoding="utf-8")
    locked.chmod(0)
    prefix = None
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv to drop the capability that reads any file")
        drop = "-dac_override,-dac_read_search"
        prefix = ["setpriv", f"--inh-caps={drop}", f"--bounding-set={drop}"]
    out = tmp_path / "out"
    result = baocao("build", "--source", str(folder), "--out", str(out), prefix=prefix)
    one_line(result, 2, f"{locked}: cannot read the report: Permission denied")
    assert not out.exists() and beside(out) == []


def test_os_error_no_command_handles_is_one_line_with_its_type(built, tmp_path):
    """The last resort: an OSError nothing turned into a message still gives one line, exit 2, and its type."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    line = one_line(baocao("load", "--package", str(built), "--db", str(blocker / "baocao.db")), 2)
    assert line.startswith("baocao: error: FileExistsError: ") or line.startswith("baocao: error: NotADirectoryError")


def test_memory_error_is_one_line_with_its_type(monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("baocao.package.pipeline.parse_document", exhausted)
    result = CliRunner().invoke(cli, ["extract", str(REPORT)])
    assert result.exit_code == 2
    assert result.stderr == "baocao: error: MemoryError: out of memory\n"


def test_unicode_error_no_command_handles_is_one_line_with_its_type(monkeypatch):
    def undecodable(*args, **kwargs):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr("baocao.package.pipeline.parse_document", undecodable)
    result = CliRunner().invoke(cli, ["extract", str(REPORT)])
    assert result.exit_code == 2
    assert result.stderr.startswith("baocao: error: UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff")
    assert result.stderr.count("\n") == 1


# --- load reads whatever build writes ---


@pytest.fixture(scope="module")
def long_cell_package(tmp_path_factory) -> Path:
    """The real report with one paragraph of 165,000 characters added, built with the real CLI."""
    root = tmp_path_factory.mktemp("long")
    metadata = root / "metadata"
    shutil.copytree(paths.METADATA, metadata)
    lines = REPORT.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if "tổng sản phẩm" in line)
    lines[at + 1 : at + 1] = ["", " ".join(["Công tác chỉ đạo điều hành được triển khai đồng bộ, quyết liệt."] * 2500)]
    (root / "sources").mkdir()
    source = root / "sources" / REPORT.name
    source.write_text("\n".join(lines), encoding="utf-8")
    out = root / "datapackage"
    assert baocao("--metadata", str(metadata), "record", str(source)).returncode == 0
    result = baocao("--metadata", str(metadata), "build", "--source", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_load_and_site_read_a_package_whose_cell_is_longer_than_the_csv_modules_limit(long_cell_package, tmp_path):
    assert baocao("validate", str(long_cell_package)).returncode == 0
    db = tmp_path / "baocao.db"
    result = baocao("load", "--package", str(long_cell_package), "--db", str(db))
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as connection:
        [(longest,)] = connection.execute("SELECT max(length(text)) FROM sections").fetchall()
    assert longest > CSV_FIELD_LIMIT
    result = baocao("site", "--package", str(long_cell_package), "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "old, new, reason",
    [
        (b"ty_dong", b"ty_dongg", "bytes, "),  # one cell longer: the byte count differs
        (b"ty_dong", b"ty_dang", "units: sha256 differs from the hash declared in datapackage.json"),  # same length
    ],
    ids=["bytes", "hash"],
)
def test_load_refuses_a_resource_changed_behind_its_declared_bytes_and_hash(
    copy_of_package, tmp_path, old, new, reason
):
    path = copy_of_package / "units.csv"
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))  # same rows, other bytes
    one_line(baocao("load", "--package", str(copy_of_package), "--db", str(tmp_path / "x.db")), 2, reason)
    assert not (tmp_path / "x.db").exists() and beside(tmp_path / "x.db") == []


def test_load_refuses_a_resource_path_outside_the_package_and_validate_reports_it(copy_of_package, tmp_path):
    descriptor_path = copy_of_package / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    units = next(r for r in descriptor["resources"] if r["name"] == "units")
    units["path"] = "../../../../../../../../etc/passwd"
    descriptor_path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    one_line(
        baocao("load", "--package", str(copy_of_package), "--db", str(tmp_path / "x.db")),
        2,
        "units: path '../../../../../../../../etc/passwd' is not a CSV file in the package folder",
    )
    result = baocao("validate", str(copy_of_package))
    assert result.returncode == 1 and "units: path '../../../../../../../../etc/passwd' is outside" in result.stdout


def test_validate_and_load_refuse_a_fifo_resource_instead_of_waiting(copy_of_package, tmp_path):
    (copy_of_package / "units.csv").unlink()
    os.mkfifo(copy_of_package / "units.csv")
    result = baocao("validate", str(copy_of_package))
    assert result.returncode == 1 and "units: " in result.stdout and "named pipe (FIFO)" in result.stdout
    one_line(baocao("load", "--package", str(copy_of_package), "--db", str(tmp_path / "x.db")), 2, "named pipe")


def test_load_refuses_a_descriptor_that_is_not_json_in_one_line(copy_of_package, tmp_path):
    (copy_of_package / "datapackage.json").write_text("{", encoding="utf-8")
    one_line(baocao("load", "--package", str(copy_of_package), "--db", str(tmp_path / "x.db")), 2, "not valid JSON")


# --- crash windows: a publish or a load killed at each rename ---


@pytest.fixture
def package_pair(built, tmp_path) -> tuple[Path, dict[str, str]]:
    """A package in a folder of its own, and its files."""
    out = tmp_path / "datapackage"
    shutil.copytree(built, out)
    return out, tree(out)


def kill_build_at(point: str, out: Path) -> None:
    result = baocao("build", "--out", str(out), env={"BAOCAO_FAULT": point})
    assert result.returncode == -signal.SIGKILL, result.stderr


@pytest.mark.parametrize(
    "reader",
    [
        lambda out, tmp: ["validate", str(out)],
        lambda out, tmp: ["validate", str(out / "datapackage.json")],
        lambda out, tmp: ["load", "--package", str(out), "--db", str(tmp / "db" / "baocao.db")],
        lambda out, tmp: ["site", "--package", str(out), "--out", str(tmp / "site"), "--no-downloads"],
    ],
    ids=["validate", "validate-descriptor", "load", "site"],
)
def test_build_killed_between_the_two_renames_leaves_a_package_every_reader_puts_back(package_pair, tmp_path, reader):
    out, before = package_pair
    kill_build_at("publish:after-first-rename", out)
    # the window: no package in its place, the previous one beside it, and the new one still in staging
    assert not out.exists() and ".datapackage.old" in beside(out) and len(beside(out)) == 2
    result = baocao(*reader(out, tmp_path))
    assert result.returncode == 0, result.stderr
    assert tree(out) == before and beside(out) == []


def test_build_killed_after_the_swap_leaves_the_new_package_and_the_next_build_removes_the_old(package_pair):
    out, before = package_pair
    kill_build_at("publish:after-second-rename", out)
    assert tree(out).keys() == before.keys() and beside(out) == [".datapackage.old"]
    assert baocao("validate", str(out)).returncode == 0
    assert baocao("build", "--out", str(out)).returncode == 0
    assert tree(out).keys() == before.keys() and beside(out) == []


def test_fault_points_are_inert_unless_named(package_pair):
    out, before = package_pair
    result = baocao("build", "--out", str(out), env={"BAOCAO_FAULT": "load:before-db-rename"})
    assert result.returncode == 0, result.stderr
    assert tree(out).keys() == before.keys() and beside(out) == []


def test_next_load_removes_the_temporary_files_of_a_killed_load(built, tmp_path):
    db = tmp_path / "baocao.db"
    assert baocao("load", "--package", str(built), "--db", str(db)).returncode == 0
    before = tree(tmp_path)
    result = baocao("load", "--package", str(built), "--db", str(db), env={"BAOCAO_FAULT": "load:before-db-rename"})
    assert result.returncode == -signal.SIGKILL
    left = beside(db) + beside(db.with_name("inspect.json"))
    assert len(left) == 2 and left[0].endswith(".tmp") and left[1].endswith(".tmp")
    assert {k: v for k, v in tree(tmp_path).items() if not k.startswith(".")} == before  # the previous pair
    assert baocao("load", "--package", str(built), "--db", str(db)).returncode == 0
    assert beside(db) == [] and beside(db.with_name("inspect.json")) == []


def test_serve_refuses_a_database_paired_with_the_inspect_file_of_another_load(built, long_cell_package, tmp_path):
    """A load killed between its two renames leaves the new database with the old counts: serve says so."""
    db = tmp_path / "baocao.db"
    site = tmp_path / "no-site"  # serve checks the pair before anything else
    assert baocao("load", "--package", str(built), "--db", str(db)).returncode == 0
    result = baocao(
        "load", "--package", str(long_cell_package), "--db", str(db), env={"BAOCAO_FAULT": "load:after-db-rename"}
    )
    assert result.returncode == -signal.SIGKILL
    one_line(
        baocao("serve", "--db", str(db), "--site-dir", str(site)),
        2,
        f"{db.with_name('inspect.json')}: describes another database than {db}",
        "run `baocao load`",
    )
    assert baocao("load", "--package", str(long_cell_package), "--db", str(db)).returncode == 0
    result = baocao("serve", "--db", str(db), "--site-dir", str(site))
    assert result.returncode == 2 and "describes another database" not in result.stderr
    assert "no site files" in result.stderr  # past the pair check, stopped by the next one


# --- build --out: never a folder that is not a package ---


def test_build_out_refuses_a_folder_holding_other_files_and_leaves_it_untouched(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    (folder / "sub").mkdir()
    before = tree(folder)
    result = baocao("build", "--out", ".", cwd=folder)
    one_line(result, 2, f"{folder}: --out must be an empty folder or a data package written by baocao")
    one_line(baocao("build", "--out", str(folder)), 2, "it holds 2 file(s) and no baocao datapackage.json")
    assert tree(folder) == before and (folder / "sub").is_dir() and beside(folder) == []


def test_build_out_refuses_a_package_folder_holding_a_file_a_build_does_not_write(package_pair):
    out, before = package_pair
    (out / "README.txt").write_text("mine", encoding="utf-8")
    one_line(baocao("build", "--out", str(out)), 2, "also holds 1 file(s) a build does not write, such as 'README.txt'")
    assert (out / "README.txt").read_text(encoding="utf-8") == "mine"


def test_build_out_refuses_a_file(tmp_path):
    target = tmp_path / "datapackage"
    target.write_text("mine", encoding="utf-8")
    one_line(baocao("build", "--out", str(target)), 2, "--out is a file, not a folder")
    assert target.read_text(encoding="utf-8") == "mine"


def test_build_out_accepts_an_empty_folder_and_a_package_it_wrote(package_pair, tmp_path):
    out, before = package_pair
    assert baocao("build", "--out", str(out)).returncode == 0
    assert tree(out).keys() == before.keys()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert baocao("build", "--out", str(empty)).returncode == 0
    assert tree(empty) == tree(out)
