"""Attacks through metadata and folders, with the real CLI: one line on stderr, exit 2, nothing touched.

- metadata of the wrong type or shape (each file is checked by its JSON Schema, baocao/schemas/);
- a locator pattern that is not a regular expression, or that backtracks catastrophically;
- a FIFO, a socket or a broken link inside a source folder;
- ``baocao site --out`` on a folder that is not a site baocao wrote.
"""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from baocao.core import paths
from baocao.curation.patterns import MATCH_SECONDS
from conftest import REPORT, one_line


def baocao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "baocao", *args], capture_output=True, text=True, timeout=120)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under the folder with its sha256 and mtime: what "nothing touched" means."""
    return {
        str(path): f"{hashlib.sha256(path.read_bytes()).hexdigest()} {path.stat().st_mtime_ns}"
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


@pytest.fixture
def project(tmp_path, built) -> Path:
    """A copy of metadata/ and a package built before, side by side in one folder that the test watches."""
    shutil.copytree(paths.METADATA, tmp_path / "metadata")
    shutil.copytree(built, tmp_path / "out")
    return tmp_path


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def build_refused(project: Path, *parts: str) -> str:
    before = snapshot(project)
    result = baocao("--metadata", str(project / "metadata"), "build", "--out", str(project / "out"))
    line = one_line(result, 2, *parts)
    assert snapshot(project) == before
    return line


def grdp_locator(data: dict[str, Any]) -> dict[str, Any]:
    return data["indicators"][0]["locate"][0]


def set_key(get, key: str, value: Any):
    return lambda data: get(data).__setitem__(key, value)


ECONOMY = "indicators/economy.yaml"
ECONOMY_LOCATORS = "locators/bac-kan-2024-h1/economy.yaml"
FIRST = "$.indicators[0]"


@pytest.mark.parametrize(
    "file, change, parts",
    [
        (
            ECONOMY_LOCATORS,
            set_key(grdp_locator, "pattern", 123),
            [f"{FIRST}.locate[0].pattern (grdp): must be text, not 123"],
        ),
        (ECONOMY, set_key(lambda d: d["indicators"][0], "id", 123), [f"{FIRST}.id: must be text, not 123"]),
        (
            ECONOMY_LOCATORS,
            set_key(lambda d: d["indicators"][0], "locate", 5),
            [f"{FIRST}.locate (grdp): must be a list, not 5"],
        ),
        (ECONOMY, set_key(lambda d: d["indicators"][0], "id", "GRDP"), ["must be lower-case ASCII snake_case"]),
        (ECONOMY, lambda d: d["indicators"][0].pop("name_en"), [f"{FIRST} (grdp): lacks 'name_en'"]),
        (ECONOMY_LOCATORS, set_key(lambda d: d["checks"][0], "kind", "product"), ["$.checks[0].kind", "one of sum"]),
        (ECONOMY_LOCATORS, set_key(lambda d: d["checks"][0], "tolerance", "x"), ["$.checks[0].tolerance", "a number"]),
        (ECONOMY, set_key(lambda d: d["indicators"][0], "locate", []), [f"{FIRST} (grdp): unknown key 'locate'"]),
        (ECONOMY_LOCATORS, set_key(lambda d: d["indicators"][0], "id", "gdp"), ["indicator gdp: is not an indicator"]),
        (ECONOMY, set_key(lambda d: d, "colour", "red"), ["metadata/indicators/economy.yaml: unknown key 'colour'"]),
        ("units.yaml", set_key(lambda d: d["units"][0], "multiplier", "abc"), ["$.units[0].multiplier", "not 'abc'"]),
        ("units.yaml", set_key(lambda d: d["units"][0], "aliases", None), ["$.units[0].aliases", "a list, not empty"]),
        ("standard.yaml", set_key(lambda d: d["indicators"][0]["locate"][0], "patterns", []), ["must not be an empty"]),
        ("vocabulary.yaml", set_key(lambda d: d["indicators"][0], "names", [" "]), ["names[0] (grdp): must hold text"]),
        ("provinces.yaml", lambda d: d["issuers"].pop("ubnd"), ["metadata/provinces.yaml: $.issuers: lacks 'ubnd'"]),
        ("sources.yaml", set_key(lambda d: d["reports"][0], "sha256", "x"), ["sha256", "must be 64 lower-case hex"]),
        ("site.yaml", set_key(lambda d: d, "queries", [1]), ["metadata/site.yaml: $.queries: must be a mapping"]),
        ("resources.yaml", set_key(lambda d: d["resources"][0]["fields"][0], "type", "text"), ["must be one of"]),
        ("messages.yaml", lambda d: d["checks"].pop("plan"), ["metadata/messages.yaml: $.checks: lacks 'plan'"]),
    ],
)
def test_metadata_of_the_wrong_type_or_shape_is_one_line_naming_file_place_and_reason(project, file, change, parts):
    edit_yaml(project / "metadata" / file, change)
    label = f"metadata/{file}"
    build_refused(project, label, *parts)


def test_a_pattern_that_is_not_a_regular_expression_is_refused_when_metadata_is_read(project):
    edit_yaml(project / "metadata" / ECONOMY_LOCATORS, set_key(grdp_locator, "pattern", "(GRDP đạt {value}"))
    build_refused(
        project, f"{ECONOMY_LOCATORS}: {FIRST}.locate[0] (grdp): pattern '(GRDP đạt {{value}}'", "not a regular"
    )


def test_a_pattern_without_value_is_refused_when_metadata_is_read(project):
    edit_yaml(project / "metadata" / ECONOMY_LOCATORS, set_key(grdp_locator, "pattern", "GRDP đạt {num}"))
    build_refused(project, f"{FIRST}.locate[0] (grdp): pattern 'GRDP đạt {{num}}' must hold {{value}} once")


def test_a_catastrophic_pattern_stops_the_build_within_its_time_budget(project):
    # nested repeats: on section I.1 the backtracking would run for longer than anyone waits
    edit_yaml(project / "metadata" / ECONOMY_LOCATORS, set_key(grdp_locator, "pattern", "(.*?,?)*đồng{value}"))
    line = build_refused(project, "economy.yaml: indicator grdp (value): pattern '(.*?,?)*đồng{value}'")
    assert f"took over {MATCH_SECONDS:g} s on section I.1" in line and "backtracks catastrophically" in line


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_dangling_link(path: Path) -> None:
    path.symlink_to(path.parent / "gone.txt")


@pytest.mark.parametrize(
    "name, make, reason",
    [
        ("pipe.txt", make_fifo, "is a named pipe (FIFO), not a regular file"),
        ("link.txt", make_dangling_link, "a broken symbolic link"),
        ("socket.txt", None, "is a socket, not a regular file"),
    ],
)
def test_a_source_folder_with_something_other_than_a_regular_file_is_refused(project, name, make, reason):
    folder = project / "sources"
    folder.mkdir()
    shutil.copy(REPORT, folder / REPORT.name)
    special = folder / name
    server = None
    if make is None:
        # a socket's path must stay short (108 bytes): bind from inside the folder
        server = socket.socket(socket.AF_UNIX)
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            server.bind(name)
        finally:
            os.chdir(cwd)
    else:
        make(special)
    try:
        before = snapshot(project)
        result = baocao("build", "--source", str(folder), "--out", str(project / "out"))
        one_line(result, 2, str(special), reason)
        assert snapshot(project) == before
    finally:
        if server is not None:
            server.close()


def test_site_refuses_an_out_folder_that_is_not_a_site(tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "keep.txt").write_text("not a site\n", encoding="utf-8")
    before = snapshot(tmp_path)
    result = baocao("site", "--no-downloads", "--out", str(out))
    one_line(result, 2, str(out), "--out must be an empty folder or a site written by baocao", "1 file(s)")
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]


def test_site_replaces_a_site_it_wrote_before(tmp_path):
    out = tmp_path / "site"
    first = baocao("site", "--no-downloads", "--out", str(out))
    assert first.returncode == 0, first.stderr
    second = baocao("site", "--no-downloads", "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert (out / "site.json").is_file() and (out / "datasette-metadata.json").is_file()
