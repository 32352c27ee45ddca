from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from baocao import paths
from baocao.extract import Extractor
from baocao.metadata import Metadata
from baocao.parse import parse_document
from baocao.read import read_source

FIXTURES = Path(__file__).parent / "fixtures"
REPORT = paths.SOURCES / "bac-kan-2024-h1.txt"


@pytest.fixture(scope="session")
def metadata() -> Metadata:
    return Metadata()


@pytest.fixture(scope="session")
def extractor(metadata) -> Extractor:
    return Extractor(metadata)


@pytest.fixture(scope="session")
def document():
    return parse_document(read_source(REPORT).text, REPORT)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The real report built into a fresh folder with the real CLI."""
    out = tmp_path_factory.mktemp("build") / "datapackage"
    subprocess.run([sys.executable, "-m", "baocao", "build", "--out", str(out)], check=True, capture_output=True)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def site(built, tmp_path_factory):
    """A real Datasette serving the real database on 127.0.0.1, through `baocao serve`."""
    build_dir = tmp_path_factory.mktemp("site")
    db = build_dir / "baocao.db"
    subprocess.run(
        [sys.executable, "-m", "baocao", "load", "--package", str(built), "--db", str(db)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [sys.executable, "-m", "baocao", "site", "--package", str(built), "--out", str(build_dir / "site")],
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = open(build_dir / "serve.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "baocao",
            "serve",
            "--port",
            str(port),
            "--db",
            str(db),
            "--site-dir",
            str(build_dir / "site"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError((build_dir / "serve.log").read_text()) from None
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("datasette did not start in 30 s")
    yield base
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture
def copy_of_package(built, tmp_path) -> Path:
    target = tmp_path / "pkg"
    shutil.copytree(built, target)
    return target
