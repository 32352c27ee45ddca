"""The bad-input corpus (tests/fixtures/bad/), through the real CLI: one line, an exit code, nothing changed.

Exit codes: 2 for bad input or usage, 1 for a package that fails validation.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from baocao.core import paths
from conftest import FIXTURES

BAD = FIXTURES / "bad"


def snapshot(*folders: Path) -> dict[str, str]:
    """Every file under the folders, with its sha256 and mtime: what "exactly as they were" means."""
    state = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            if path.is_file():
                state[str(path)] = f"{hashlib.sha256(path.read_bytes()).hexdigest()} {path.stat().st_mtime_ns}"
    return state


def baocao(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "baocao", *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def assert_one_line(result: subprocess.CompletedProcess, code: int, *parts: str) -> str:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("baocao: error: ") and "Traceback" not in result.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def untouched():
    """The real datapackage/ and build/ must be exactly as they were after the test."""
    before = snapshot(paths.DATAPACKAGE, paths.BUILD)
    yield
    assert snapshot(paths.DATAPACKAGE, paths.BUILD) == before


@pytest.fixture
def meta(tmp_path) -> Path:
    target = tmp_path / "metadata"
    shutil.copytree(paths.METADATA, target)
    return target


@pytest.mark.parametrize(
    "name, reason",
    [
        ("empty.txt", "empty file (0 bytes)"),
        ("blank.txt", "blank file (only white space)"),
        ("binary.txt", "binary file (NUL byte at offset 0), not a text report"),
        ("utf16.txt", "is UTF-16 encoded; save it as UTF-8 text"),
        ("windows1258.txt", "it reads as Windows-1258 (Vietnamese ANSI)); re-save the report as UTF-8"),
        # a month's release that gives no months from January: the period is asked for before the province
        ("no_headings.txt", "a month's release ('tháng 6 năm 2024') that does not say whether it reports on the month"),
        ("missing.txt", "no such file"),
    ],
)
def test_bad_report(untouched, name, reason):
    result = baocao("build", "--source", str(BAD / name))
    assert_one_line(result, 2, f"{BAD / name}: ", reason)


def test_truncated_copy_of_a_known_report_fails_its_checksum(untouched, meta):
    copy = meta.parent / "bac-kan-2024-h1.txt"
    shutil.copy(BAD / "truncated.txt", copy)
    result = baocao("--metadata", str(meta), "build", "--source", str(copy))
    assert_one_line(result, 2, f"{copy}: sha256 ", "does not match metadata/sources.yaml", "baocao record")


def test_truncated_report_with_its_checksum_recorded_loses_its_locators(untouched, meta, tmp_path):
    copy = tmp_path / "bac-kan-2024-h1.txt"
    shutil.copy(BAD / "truncated.txt", copy)
    out = tmp_path / "out"
    recorded = baocao("--metadata", str(meta), "record", str(copy))
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert recorded.returncode == 0, recorded.stderr
    assert recorded.stdout.startswith(f"{copy}: new sha256 {digest} recorded for bac-kan-2024-h1")
    assert digest in (meta / "sources.yaml").read_text()
    sources_yaml = (meta / "sources.yaml").read_bytes()
    result = baocao("--metadata", str(meta), "build", "--source", str(copy), "--out", str(out))
    # the first indicator whose section the truncated text no longer has stops the build, by name
    assert_one_line(
        result,
        2,
        "baocao: error: metadata/locators/bac-kan-2024-h1/administration.yaml: indicator adm_papi (value): "
        f"section 'I.11.1' is not in {copy}",
    )
    assert (meta / "sources.yaml").read_bytes() == sources_yaml  # the build only reads metadata
    assert not out.exists()


def test_two_reports_claiming_one_id(untouched, meta):
    text = (meta / "sources.yaml").read_text(encoding="utf-8")
    record = text[text.index("  - id: bac-kan-2024-h1") :]
    (meta / "sources.yaml").write_text(
        text + record.replace("file: bac-kan-2024-h1.txt", "file: copy.txt"), encoding="utf-8"
    )
    result = baocao("--metadata", str(meta), "build")
    assert_one_line(result, 2, "sources.yaml: reports[1]: id 'bac-kan-2024-h1' is also the id of bac-kan-2024-h1.txt")


def test_locator_that_no_longer_matches(untouched, meta):
    path = meta / "locators" / "bac-kan-2024-h1" / "economy.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Khu vực Dịch vụ {value}%", "Khu vực Dịch vụ là {value}%"),
        encoding="utf-8",
    )
    result = baocao("--metadata", str(meta), "build")
    assert_one_line(
        result,
        2,
        "metadata/locators/bac-kan-2024-h1/economy.yaml: indicator va_services (share_pct): "
        "pattern matches nothing in section I.1",
    )


def test_unit_missing_from_the_unit_list(untouched, meta):
    path = meta / "indicators" / "economy.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("unit: ty_dong", "unit: ty_rupee", 1), encoding="utf-8")
    result = baocao("--metadata", str(meta), "build")
    assert_one_line(result, 2, "economy.yaml: indicator grdp: unit 'ty_rupee' is not in metadata/units.yaml")


def test_malformed_yaml(untouched, meta):
    shutil.copy(BAD / "units-malformed.yaml", meta / "units.yaml")
    result = baocao("--metadata", str(meta), "build")
    assert_one_line(result, 2, f"{meta / 'units.yaml'}: line 2, column ", "malformed YAML")


def test_metadata_with_an_unknown_key(untouched, meta):
    shutil.copy(BAD / "package-unknown-key.yaml", meta / "package.yaml")
    result = baocao("--metadata", str(meta), "build")
    assert_one_line(result, 2, "metadata/package.yaml: unknown key 'colour'")


def test_missing_metadata_folder(untouched, tmp_path):
    result = baocao("--metadata", str(tmp_path / "nope"), "build")
    assert_one_line(result, 2, "no such metadata folder")


def test_interrupted_publish_leaves_the_previous_package(built, tmp_path):
    """A build killed right at the swap leaves the old package, and the next build cleans up."""
    out = tmp_path / "datapackage"
    shutil.copytree(built, out)
    before = snapshot(out)
    script = f"""
import os, signal
from pathlib import Path
import baocao.package.publish as package
real = os.replace
def dying_replace(src, dst):
    if str(dst).endswith("/datapackage"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)
package.os.replace = dying_replace
package.publish(Path({str(out)!r}), {{"datapackage.json": b"{{}}", "x.csv": b"a\\\\n"}})
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL
    # the old package was moved aside just before the kill: the next publish puts it back first
    from baocao.package.publish import recover

    recover(out)
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".datapackage.*"))


def test_interrupted_build_while_writing(built, tmp_path):
    out = tmp_path / "datapackage"
    shutil.copytree(built, out)
    before = snapshot(out)
    script = f"""
import os, signal
from pathlib import Path
import baocao.package.publish as package
real = os.fsync
count = 0
def dying_fsync(fd):
    global count
    count += 1
    if count == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(fd)
package.os.fsync = dying_fsync
package.publish(Path({str(out)!r}), {{f"{{i}}.csv": b"a\\\\n" for i in range(10)}})
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL
    assert snapshot(out) == before
    assert len(list(tmp_path.glob(".datapackage.*.tmp"))) == 1  # the half-written staging folder, aside
    result = baocao("build", "--out", str(out))
    assert result.returncode == 0
    assert not list(tmp_path.glob(".datapackage.*"))
    assert snapshot(out).keys() == before.keys()


def test_validation_failure_exits_1(copy_of_package):
    (copy_of_package / "units.csv").write_bytes(b"unit_id\nx\n")
    result = baocao("validate", str(copy_of_package))
    assert result.returncode == 1
    assert result.stdout.startswith(f"invalid: {copy_of_package / 'datapackage.json'}")
