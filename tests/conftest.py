from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from baocao.core import paths
from baocao.core.metadata import Metadata
from baocao.figures.extract import Extractor
from baocao.reading.parse import parse_document
from baocao.reading.read import read_source

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


def build_site_files(package: Path, target: Path) -> tuple[Path, Path]:
    """`baocao load` and `baocao site` of ``package`` into ``target``: (database, site folder)."""
    db, site_dir = target / "baocao.db", target / "site"
    for args in (
        ["load", "--package", str(package), "--db", str(db)],
        ["site", "--package", str(package), "--out", str(site_dir)],
    ):
        subprocess.run([sys.executable, "-m", "baocao", *args], check=True, capture_output=True)
    return db, site_dir


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Debian's chromium on a machine with no network beyond the package registries: no background calls home
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def print_to_pdf(page: Path, pdf: Path, workdir: Path) -> Path:
    """An HTML page printed to PDF by headless Chromium."""
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            *CHROMIUM_ARGS,
            f"--user-data-dir={workdir / 'chromium'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return pdf


def start_server(db: Path, site_dir: Path, log, client_limits: bool = False) -> tuple[subprocess.Popen, str]:
    """`baocao serve` on a free port of 127.0.0.1, its output to ``log`` (a file, or DEVNULL): (process, base URL).

    The tests' requests all come from 127.0.0.1, faster than any reader: the limits per client
    address are on only where a test says so (the attacks, tests/site/test_attack_server.py)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "baocao", "serve", "--port", str(port), "--db", str(db), "--site-dir", str(site_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "BAOCAO_CLIENT_LIMITS": "on" if client_limits else "off"},
    )
    return process, f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def serving(db: Path, site_dir: Path):
    """`baocao serve` on a free port of 127.0.0.1, for the duration of the block; yields the base URL."""
    process, base = start_server(db, site_dir, subprocess.DEVNULL)
    try:
        wait_until_served(base + "/-/health", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_until_served(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"nothing served at {url}") from None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def site(built, tmp_path_factory):
    """A real Datasette serving the real database on 127.0.0.1, through `baocao serve`."""
    build_dir = tmp_path_factory.mktemp("site")
    db, site_dir = build_site_files(built, build_dir)
    with open(build_dir / "serve.log", "w") as log:
        process, base = start_server(db, site_dir, log)
        wait_until_served(base + "/-/health", process)
        yield base
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def copy_of_package(built, tmp_path) -> Path:
    target = tmp_path / "pkg"
    shutil.copytree(built, target)
    return target


def one_line(result, code: int, *parts: str) -> str:
    """The result exited ``code`` with exactly one error line on stderr holding every part, and no traceback."""
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("baocao: error: "), result.stderr
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]
