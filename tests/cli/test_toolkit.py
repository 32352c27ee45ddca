"""baocao as a toolkit others install: a wheel in a fresh virtualenv, project folders, and the shape of the code
(no import cycle, no module or function past its size, no published text in code), CI for users."""

from __future__ import annotations

import ast
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "scripts" / "baocao"
MODULE_LINES, FUNCTION_LINES = 400, 80


def snapshot(*folders: Path) -> dict[str, str]:
    """Every file under the folders with its sha256 and mtime: what "nothing written" means."""
    state = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            if path.is_file() and "__pycache__" not in path.parts:
                state[str(path)] = f"{hashlib.sha256(path.read_bytes()).hexdigest()} {path.stat().st_mtime_ns}"
    return state


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args)}: {result.stderr}"
    return result


# --- an installed baocao works on the project it runs in ---


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of this repository, built from a copy of its sources (the build leaves the repository alone)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(PACKAGE.parent, source / "scripts", ignore=ignore)  # template/ links are copied as files
    for name in ("pyproject.toml", "README.md", "LICENSE", "docs/package-index.md"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    args = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(root / "dist"), "."]
    run(args, source, {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    [built] = (root / "dist").glob("baocao-*.whl")
    return built


def test_the_wheel_carries_the_licence_and_a_description_with_no_relative_link(wheel):
    import zipfile

    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
    text = archive.read(metadata).decode("utf-8")
    assert "License-Expression: MIT" in text and "Classifier: Programming Language :: Python :: 3.11" in text
    description = text.split("\n\n", 1)[1]
    assert "make " not in description and "](docs/" not in description and "](" not in description


def test_the_wheel_carries_the_project_template_schemas_and_site_files(wheel):
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "baocao/template/metadata/package.yaml",
        "baocao/template/metadata/vocabulary.yaml",
        "baocao/template/metadata/indicators/economy.yaml",
        "baocao/template/sources/bac-kan-2024-h1.txt",
        "baocao/schemas/sources.schema.json",
        "baocao/site/templates/index.html",
        "baocao/site/plugins/baocao_site.py",
    ):
        assert name in names, name


def test_wheel_in_a_fresh_virtualenv_inits_builds_validates_loads_and_sites_writing_only_its_project(wheel, tmp_path):
    """The wheel is installed (not editable) into a new virtualenv; its dependencies are those of this
    environment, reached through a path file, so that the test needs no network and stays bounded."""
    venv, home, tmpdir, work = (tmp_path / name for name in ("venv", "home", "tmp", "work"))
    for folder in (home, tmpdir, work):
        folder.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        tmp_path,
        dict(os.environ),
    )
    [site_packages] = (venv / "lib").glob("python3*/site-packages")
    (site_packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(tmpdir),
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
    }
    where = run([str(python), "-c", "import baocao; print(baocao.__file__)"], work, env).stdout.strip()
    assert Path(where).is_relative_to(site_packages), where  # the installed copy, not this repository

    before = snapshot(ROOT / "datapackage", ROOT / "build", ROOT / "metadata", ROOT / "sources", venv)
    baocao = str(venv / "bin" / "baocao")
    run([baocao, "init", "reports"], work, env)
    project = work / "reports"
    run([baocao, "build"], project, env)
    assert "valid: " in run([baocao, "validate"], project, env).stdout
    run([baocao, "load"], project, env)
    assert "charts" in run([baocao, "site"], project, env).stdout
    after = snapshot(ROOT / "datapackage", ROOT / "build", ROOT / "metadata", ROOT / "sources", venv)

    assert after == before  # nothing written in this repository or in the install location
    assert sorted(p.name for p in work.iterdir()) == ["reports"]
    assert not any(home.iterdir()) and not any(tmpdir.iterdir())
    assert {p.name for p in project.iterdir()} >= {"metadata", "sources", "datapackage", "build"}
    assert (project / "datapackage" / "datapackage.json").is_file()
    assert (project / "build" / "baocao.db").is_file() and (project / "build" / "site").is_dir()
    assert (project / "metadata" / "vocabulary.yaml").read_bytes() == (
        ROOT / "metadata" / "vocabulary.yaml"
    ).read_bytes()


def test_commands_in_a_copy_of_the_repository_touch_only_that_copy(tmp_path, built):
    copy = tmp_path / "copy"
    for name in ("metadata", "sources", "datapackage"):
        shutil.copytree(ROOT / name, copy / name)
    (copy / "build").mkdir()
    watched = [ROOT / name for name in ("datapackage", "build", "metadata", "sources")]
    before = snapshot(*watched)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("BAOCAO_PROJECT", None), env.pop("BAOCAO_METADATA", None)
    baocao = [sys.executable, "-m", "baocao"]
    sources = copy / "sources"
    report = next(sources.iterdir())
    assert "already recorded" in run([*baocao, "record", str(report.relative_to(copy))], copy, env).stdout
    run([*baocao, "build"], sources, env)  # from a folder inside the project too
    run([*baocao, "validate"], copy, env)
    run([*baocao, "load"], copy, env)
    run([*baocao, "site", "--no-downloads"], copy, env)
    assert snapshot(*watched) == before
    assert (copy / "build" / "baocao.db").is_file() and (copy / "build" / "site" / "datasette-metadata.json").is_file()
    package = {p.name: p.read_bytes() for p in (copy / "datapackage").iterdir()}
    assert package == {p.name: p.read_bytes() for p in built.iterdir()}  # what a build of the repository gives


# --- the shape of the code ---


def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, known: dict[str, Path], typing: bool = False) -> set[str]:
    """The package's modules ``name`` imports, at the top or inside a function; those only for type checking
    when ``typing``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = {
        id(node)
        for branch in ast.walk(tree)
        if not typing and isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
        for statement in branch.body
        for node in ast.walk(statement)
    }
    targets = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {t for t in targets if t in known and t != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_reader_finds_a_cycle_where_there_is_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_the_modules_of_the_package():
    known = modules()
    graph = {name: _imports(name, path, known) for name, path in known.items()}
    assert "baocao.package.pipeline" in graph["baocao.cli"] or "baocao.package.pipeline" in graph["baocao.cli.options"]
    assert _cycles(graph) == []


# The stages in the order they run: a module imports only modules of its own stage or of the stages before it.
STAGES = ["core", "reading", "figures", "curation", "package", "database", "site", "evaluation", "cli"]


def _stage(name: str) -> int:
    parts = name.split(".")
    return -1 if len(parts) == 1 else STAGES.index(parts[1])


def test_every_module_sits_in_the_package_of_its_stage():
    loose = [n for n in modules() if n not in ("baocao", "baocao.__main__") and n.split(".")[1] not in STAGES]
    assert loose == []
    assert sorted({n.split(".")[1] for n in modules() if n.count(".")}) == sorted([*STAGES, "__main__"])


def test_a_stage_imports_only_its_own_modules_and_those_of_earlier_stages():
    known = modules()
    backwards = [
        f"{name} imports {target}"
        for name, path in known.items()
        if name != "baocao.__main__"
        for target in _imports(name, path, known, typing=True)
        if _stage(target) > _stage(name)
    ]
    assert backwards == []


def test_no_import_cycle_even_through_imports_for_type_checking():
    known = modules()
    graph = {name: _imports(name, path, known, typing=True) for name, path in known.items()}
    assert "baocao.package.report" in graph["baocao.package.tables"]
    assert _cycles(graph) == []


def test_no_module_over_400_lines_and_no_function_over_80():
    problems = []
    for path in modules().values():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MODULE_LINES:
            problems.append(f"{path.relative_to(ROOT)}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > FUNCTION_LINES:
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.name}() {length} lines")
    assert problems == []


# --- text in metadata, not in code ---

VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)
REGEX_SIGNS = re.compile(r"\\|\(\?|\[|\||\^|\$")
ENGLISH_SENTENCE = re.compile(r"^[A-Z][a-z']+(?: [A-Za-z'(),;-]+){2,}[.]?$")


def _places(metadata_dir: Path) -> list[str]:
    """The names of provinces (and of the country) in the gazetteer, as reports and people write them."""
    data = yaml.safe_load((metadata_dir / "provinces.yaml").read_text(encoding="utf-8"))
    names = {data["national"]["name"]}
    for province in data["provinces"]:
        names.update([province["name"], *province.get("aliases", [])])
    return sorted(n for n in names if len(n) > 3)


def _literals(tree: ast.AST) -> list[tuple[int, str]]:
    """The string literals of a module that could be published text: not docstrings, not a command's help,
    not the message of an error raised."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                skipped.add(id(body[0].value))
        if isinstance(node, ast.keyword) and node.arg == "help" or isinstance(node, ast.Raise):
            skipped.update(id(child) for child in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            skipped.update(id(v) for v in node.values)
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            found.append((node.lineno, text))
    return found


def _vietnamese_text(text: str, words: list[str]) -> bool:
    """Words that read as a title, a label or a sentence: capitalised, or a clause of four words or more;
    a short lower-case phrase ("ước đạt", "so với") is a word the reading looks for, not text it publishes."""
    lower = [w for w in words if any(c.islower() for c in w)]
    return len(lower) >= 2 and (text.strip()[0].isupper() or len(words) >= 4)


def text_in_code(path: Path, places: list[str]) -> list[str]:
    """Vietnamese or English sentences, and province names, written in a module's code."""
    problems = []
    place = re.compile("|".join(rf"(?<!\w){re.escape(p)}(?!\w)" for p in places))
    for line, text in _literals(ast.parse(path.read_text(encoding="utf-8"))):
        words = re.findall(r"[^\W\d_]+", text)
        if place.search(text):
            problems.append(f"{line}: province name: {text[:60]!r}")
        elif REGEX_SIGNS.search(text):
            continue  # a pattern that reads reports, not text that is published
        elif VIETNAMESE.search(text) and _vietnamese_text(text, words):
            problems.append(f"{line}: Vietnamese: {text[:60]!r}")
        elif ENGLISH_SENTENCE.match(text.strip()):
            problems.append(f"{line}: English: {text[:60]!r}")
    return problems


def test_the_text_reader_finds_sentences_and_places_but_not_patterns_docstrings_or_errors(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        '"""Bắc Kạn in a docstring."""\n'
        'A = "Báo cáo tình hình"\n'
        'B = "The report that states the figures."\n'
        'C = r"(?i)tổng sản phẩm\\s+đạt"\n'
        'D = f"Tỉnh {x} Bắc Kạn"\n'
        'F = ("ước đạt", "so với", "A-ZĐÀ-Ỹ")\n'
        'G = "a level reached, as in giảm còn"\n'
        'def f():\n    raise ValueError("Cannot read the report file.")\n'
        'E = "value_text"\n',
        encoding="utf-8",
    )
    found = text_in_code(module, ["Bắc Kạn"])
    assert [p.split(":")[0] for p in found] == ["2", "3", "5", "7"], found


def test_no_sentence_or_province_name_in_the_code():
    places = _places(ROOT / "metadata")
    problems = [
        f"{path.relative_to(ROOT)}:{problem}"
        for path in sorted((ROOT / "scripts").rglob("*.py"))
        for problem in text_in_code(path, places)
    ]
    assert problems == []


# --- CI for users ---


WORKFLOWS = [ROOT / ".github" / "workflows" / "validate.yml", PACKAGE / "template" / "workflows" / "validate.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=["repository", "new project"])
def test_the_validate_workflow_installs_baocao_builds_and_validates_with_frictionless(path):
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    [job] = workflow["jobs"].values()
    runs = [step.get("run", "") for step in job["steps"]]
    uses = [step.get("uses", "") for step in job["steps"]]
    assert any(u.startswith("actions/checkout@") for u in uses) and any(
        u.startswith("actions/setup-python@") for u in uses
    )
    install = next(i for i, r in enumerate(runs) if "pip install" in r)
    build = runs.index("baocao build")
    validate = next(i for i, r in enumerate(runs) if r.startswith("frictionless validate "))
    assert install < build < validate
    assert runs[validate].split()[-1] == "datapackage/datapackage.json"


@pytest.mark.parametrize("path", WORKFLOWS, ids=["repository", "new project"])
def test_the_validate_workflow_pins_its_actions_reads_only_and_is_bounded_in_time(path):
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["cancel-in-progress"] is True
    [job] = workflow["jobs"].values()
    assert 0 < job["timeout-minutes"] <= 60
    uses = [step["uses"] for step in job["steps"] if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", u) for u in uses), uses
    setup = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["cache"] == "pip"


def test_init_writes_the_validate_workflow_into_the_new_project(tmp_path):
    from click.testing import CliRunner

    from baocao.cli import cli

    assert CliRunner().invoke(cli, ["init", str(tmp_path / "p")]).exit_code == 0
    written = tmp_path / "p" / ".github" / "workflows" / "validate.yml"
    assert written.read_bytes() == WORKFLOWS[1].read_bytes()


def test_ci_runs_the_linters_then_the_tests():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.index("make lint") < script.index("make test")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lint = makefile[makefile.index("\nlint:") :].split("\n\n")[0]
    assert "ruff check scripts tests" in lint and "ruff format --check scripts tests" in lint
