"""`baocao init`: a new project folder, ready for `baocao build`.

It holds metadata/ (the standard vocabulary, units, statuses, provinces, indicator catalogue
and site settings that baocao ships: ``TEMPLATE``), sources/ with a sample report (the Bắc Kạn
report of this repository, an administrative document free of copyright), the empty
datapackage/ and build/ that `baocao build` and `baocao load` fill, and the CI workflow that
builds and validates the package on every push (.github/workflows/validate.yml).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from baocao.core.errors import BaocaoError
from baocao.core.paths import Project

TEMPLATE = Path(str(resources.files("baocao") / "template"))
IGNORE = "build/\n"


def create_project(directory: Path) -> Project:
    """Create the project at ``directory`` (absent or empty), whole or not at all."""
    directory = directory.absolute()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BaocaoError("exists and is not an empty folder; a project is created in a new or empty one", directory)
    if not directory.parent.is_dir():
        raise BaocaoError("no such folder", directory.parent)
    if not (TEMPLATE / "metadata").is_dir():
        raise BaocaoError("baocao is installed without its project template", TEMPLATE)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        shutil.copytree(TEMPLATE / "metadata", staging / "metadata", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(TEMPLATE / "sources", staging / "sources")
        (staging / "datapackage").mkdir()
        (staging / "build").mkdir()
        (staging / ".gitignore").write_text(IGNORE, encoding="utf-8")
        (staging / ".github" / "workflows").mkdir(parents=True)  # the CI that builds and validates the package
        shutil.copy(TEMPLATE / "workflows" / "validate.yml", staging / ".github" / "workflows" / "validate.yml")
        staging.chmod(0o777 & ~_umask())
        if directory.exists():
            directory.rmdir()  # empty, checked above
        os.replace(staging, directory)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise BaocaoError(f"cannot create the project ({error.strerror or error})", directory) from None
    return Project(directory)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
