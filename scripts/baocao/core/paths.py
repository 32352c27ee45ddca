"""Where things live: the project folder, never the place baocao is installed.

A baocao project is a folder holding ``metadata/``, ``sources/``, ``datapackage/`` and
``build/``. The project a command works on is the one named with ``--project`` (or
``BAOCAO_PROJECT``), else the nearest folder holding ``metadata/`` from the working
directory upwards. ``paths.METADATA``, ``paths.DATAPACKAGE``... are the current project's.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from baocao.core.errors import BaocaoError

ENV = "BAOCAO_PROJECT"


@dataclass(frozen=True)
class Project:
    """A project folder and the places of everything in it."""

    root: Path

    @property
    def metadata(self) -> Path:
        return self.root / "metadata"

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def datapackage(self) -> Path:
        return self.root / "datapackage"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def database(self) -> Path:
        return self.build / "baocao.db"

    @property
    def inspect_file(self) -> Path:
        return inspect_file(self.database)

    @property
    def site(self) -> Path:
        return self.build / "site"

    @property
    def datasette_metadata(self) -> Path:
        return datasette_metadata(self.site)

    @property
    def eval(self) -> Path:
        return self.root / "eval"


def inspect_file(database: Path) -> Path:
    """Datasette's inspect file, beside the database it describes."""
    return database.with_name("inspect.json")


def datasette_metadata(site: Path) -> Path:
    """The site's Datasette metadata, in the folder `baocao site` writes."""
    return site / "datasette-metadata.json"


def is_project(folder: Path) -> bool:
    return (folder / "metadata").is_dir()


def find(start: Path | None = None) -> Path | None:
    """The nearest project folder from ``start`` (the working directory) upwards, or None."""
    start = (start or Path.cwd()).resolve()
    return next((folder for folder in (start, *start.parents) if is_project(folder)), None)


_chosen: list[Path] = []


def named(root: Path) -> Project:
    """The project at ``root``, refused if it holds no metadata/ folder."""
    if not is_project(root):
        raise BaocaoError("not a baocao project (no metadata/ folder); create one with `baocao init`", root)
    return Project(root.resolve())


def current() -> Project:
    """The project being worked on: chosen with ``using``, else ``BAOCAO_PROJECT``, else found upwards."""
    if _chosen:
        return Project(_chosen[-1])
    if os.environ.get(ENV):
        return named(Path(os.environ[ENV]))
    found = find()
    if found is None:
        raise BaocaoError(
            "not inside a baocao project (no metadata/ folder here or above); "
            "create one with `baocao init DIR`, or name it with --project",
            Path.cwd(),
        )
    return Project(found)


@contextlib.contextmanager
def using(root: Path) -> Iterator[Project]:
    """Work on the project at ``root`` for the duration of the block."""
    project = named(root)
    _chosen.append(project.root)
    try:
        yield project
    finally:
        _chosen.pop()


_NAMES = {
    "ROOT": "root",
    "METADATA": "metadata",
    "SOURCES": "sources",
    "DATAPACKAGE": "datapackage",
    "BUILD": "build",
    "DATABASE": "database",
    "INSPECT_FILE": "inspect_file",
    "SITE": "site",
    "DATASETTE_METADATA": "datasette_metadata",
}


def __getattr__(name: str) -> Path:
    """``paths.METADATA`` and the like: the current project's, or the working directory's outside one."""
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        project = current()
    except BaocaoError:
        project = Project(Path.cwd())
    return getattr(project, _NAMES[name])
