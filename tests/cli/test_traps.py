"""Known traps of the libraries we stand on, each reproduced and shown to be handled."""

import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from frictionless import validate

from conftest import build_site_files, serving


def _strip_checksums(package: Path, keep_encoding: bool = True) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        resource.pop("hash", None)
        resource.pop("bytes", None)
        if not keep_encoding:
            resource.pop("encoding", None)
    (package / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")


def _baocao_validate(package: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "baocao", "validate", str(package)], capture_output=True, text=True)


def test_one_bad_byte_in_utf8_is_caught_because_encoding_is_declared(copy_of_package, tmp_path):
    path = copy_of_package / "units.csv"
    data = path.read_bytes()
    index = data.index("đồng".encode())  # break a multi-byte character
    path.write_bytes(data[: index + 1] + b"\xff" + data[index + 2 :])
    # the trap: without a declared encoding, frictionless guesses cp1258 and calls the garbled file valid
    undeclared = tmp_path / "undeclared"
    shutil.copytree(copy_of_package, undeclared)
    _strip_checksums(undeclared, keep_encoding=False)
    assert validate(str(undeclared / "datapackage.json")).valid
    # declared utf-8 (as baocao writes every resource), the bad byte is an error
    _strip_checksums(copy_of_package)
    report = validate(str(copy_of_package / "datapackage.json"))
    assert not report.valid
    assert "encoding-error" in {e.type for task in report.tasks for e in task.errors}
    result = _baocao_validate(copy_of_package)
    assert result.returncode == 1 and "encoding-error" in result.stdout


def test_unclosed_quote_losing_rows_is_caught_by_the_row_count(copy_of_package):
    path = copy_of_package / "units.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    head, _, last = lines[50].rpartition(",")
    lines[50] = f'{head},"{last}'  # a quote that never closes: the rest of the file becomes one cell
    path.write_text("\n".join(lines), encoding="utf-8")
    _strip_checksums(copy_of_package)
    # the trap (frictionless issue 1048): the rows are silently swallowed; frictionless sees it only through
    # the `rows` the package declares
    report = validate(str(copy_of_package / "datapackage.json"))
    units = next(t for t in report.tasks if t.name == "units")
    declared = len(lines) - 2  # header and final newline
    assert units.stats["rows"] == 50 and [e.type for e in units.errors] == ["row-count"]
    result = _baocao_validate(copy_of_package)
    assert result.returncode == 1
    assert f"units: row count 50 read, {declared} declared" in result.stdout


def test_loader_refuses_a_short_csv(copy_of_package, tmp_path):
    path = copy_of_package / "units.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "baocao", "load", "--package", str(copy_of_package), "--db", str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and f"units: {len(lines) - 2} rows read, {len(lines) - 1} declared" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_a_new_database_is_published_beside_a_running_server(built, tmp_path):
    """The trap: overwriting the file under `datasette -i` gives "database disk image is malformed".

    `baocao load` writes a new file and renames it into place, so a running server keeps reading the file it
    opened (and serves the new one after a restart); it never sees a half-written database.
    """
    db, site_dir = build_site_files(built, tmp_path)
    with serving(db, site_dir) as base:
        url = f"{base}/baocao.json?sql=select+count(*)+as+n+from+observations&_shape=array"
        before = json.loads(urllib.request.urlopen(url, timeout=5).read())
        inode = db.stat().st_ino
        subprocess.run(
            [sys.executable, "-m", "baocao", "load", "--package", str(built), "--db", str(db)],
            check=True,
            capture_output=True,
        )
        assert db.stat().st_ino != inode  # a new file, not the old one overwritten
        for _ in range(20):
            assert json.loads(urllib.request.urlopen(url, timeout=5).read()) == before
