"""What can be tested of the Docker image without a Docker engine: its build steps and its entrypoint."""

import json
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from baocao.core import paths
from baocao.site.serve import serve_command
from conftest import build_site_files, free_port, wait_until_served

DOCKERFILE = (paths.ROOT / "Dockerfile").read_text(encoding="utf-8")


def cmd() -> list[str]:
    match = re.search(r"^CMD (\[.*?\])\s*$", DOCKERFILE.replace("\\\n", ""), re.M | re.S)
    return json.loads(match.group(1))


def test_base_images_are_pinned():
    images = re.findall(r"^FROM (\S+)", DOCKERFILE, re.M)
    assert images and all(re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", i) for i in images)


def test_image_builds_with_the_readme_make_targets():
    assert "RUN make install && make build" in DOCKERFILE
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^build: package load$", makefile, re.M)
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert "docker build -t baocao ." in readme and "docker run --rm -p 8001:8001 baocao" in readme


def test_runs_as_a_numeric_non_root_user_with_an_exec_form_healthcheck():
    assert re.search(r"^USER 10001:10001$", DOCKERFILE, re.M) and "--uid 10001" in DOCKERFILE
    healthcheck = re.search(r"^HEALTHCHECK .*?\n\s+CMD (\[.*\])$", DOCKERFILE, re.M)
    assert healthcheck and "/-/health" in json.loads(healthcheck.group(1))[-1]


def test_the_build_context_leaves_out_the_virtualenv_builds_and_the_real_texts():
    ignored = (paths.ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "build", "eval/real/texts", "tests/browser/node_modules"} <= set(ignored)
    assert "frictionless" not in DOCKERFILE.split("FROM ")[-1].split("USER")[0].split("#")[0]


def test_entrypoint_is_the_serve_command():
    expected = serve_command(Path("build/baocao.db"), "0.0.0.0", 8001, Path("build/site"))
    expected = ["python"] + expected[1:]  # the venv's Python here, the image's there
    site = str(paths.ROOT / "scripts/baocao/site")
    expected = [a.replace(site, "site") for a in expected]
    assert cmd() == expected


def test_entrypoint_serves_the_image_layout(built, tmp_path):
    """The image's CMD, run as is (but on 127.0.0.1 and a free port) in a copy of the image's /app."""
    app = tmp_path / "app"
    shutil.copytree(paths.ROOT / "scripts/baocao/site", app / "site")
    build_site_files(built, app / "build")
    command = cmd()
    port = free_port()
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    command = [sys.executable] + command[1:]
    process = subprocess.Popen(command, cwd=app, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_served(f"http://127.0.0.1:{port}/-/health", process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            html = response.read().decode()
        assert "Số liệu chính" in html and "application/ld+json" in html
    finally:
        process.terminate()
        process.wait(timeout=10)
