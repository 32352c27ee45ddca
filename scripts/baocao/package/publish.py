"""Publishing a folder whole: written aside, swapped in under a lock, and recovered if a swap was killed.

Also what a reader accepts of a package (descriptor and resource sizes) and what an ``--out``
folder may be (empty, or a package or site that a build may replace).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from baocao.core.errors import BaocaoError, fault_point

# the largest descriptor and resource file the readers (validate, load) take: far above what a build writes
MAX_DESCRIPTOR_BYTES = 64 * 1024 * 1024
MAX_RESOURCE_BYTES = 4 * 1024 * 1024 * 1024


@contextlib.contextmanager
def _publish_lock(out: Path) -> Iterator[None]:
    """An exclusive lock on the folder that holds ``out``, held while a package is swapped or recovered.

    flock() is released by the kernel when its holder dies, so a killed build never
    leaves it taken; while it is held, no live publish is under way, and whatever a
    publish left beside ``out`` is left over from one that was killed.
    """
    handle = os.open(out.parent, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def recover(out: Path) -> None:
    """Undo what an interrupted publish() left: a missing target with its previous copy beside it, staging folders.

    Every command that reads a package calls this first (through :func:`recover_before_read`),
    so a build killed between the two renames of its swap never leaves readers without a package.
    """
    out = Path(out).resolve()
    if not out.parent.is_dir():
        return
    with _publish_lock(out):
        _recover(out)


def _recover(out: Path) -> None:
    previous = out.with_name(f".{out.name}.old")
    if previous.exists() and not out.exists():
        os.replace(previous, out)
    elif previous.exists():
        shutil.rmtree(previous, ignore_errors=True)
    for staging in _left_beside(out):
        if staging.name.endswith(".tmp"):
            shutil.rmtree(staging, ignore_errors=True)


def _left_beside(out: Path) -> list[Path]:
    """What publishes of ``out`` put beside it: ``.<name>.old`` and the ``.<name>.*.tmp`` staging folders."""
    prefix = f".{out.name}."
    return [out.parent / name for name in os.listdir(out.parent) if name.startswith(prefix)]


def recover_before_read(package: Path) -> None:
    """Put back a package whose publish was killed mid-swap, before reading it (``package``: folder or descriptor).

    Only what a killed publish left is touched; a reader that may not write there
    (the server's user) reads on if there is nothing to recover.
    """
    package = Path(package)
    folder = package.parent if package.name == "datapackage.json" and not package.is_dir() else package
    folder = folder.resolve()
    if folder.exists() and not (folder.parent.is_dir() and _left_beside(folder)):
        return  # the usual case: nothing to recover, and no lock to wait for
    try:
        recover(folder)
    except OSError as error:
        if not folder.exists():
            raise BaocaoError(
                f"a build was interrupted and the package cannot be put back ({error.strerror})", folder
            ) from None


def _out_names(out: Path) -> set[str]:
    """What an ``--out`` folder holds (nothing for a missing one); the root folder and files are refused."""
    if out == out.parent:
        raise BaocaoError("--out cannot be the root folder", out)
    if not out.exists() and not out.is_symlink():
        return set()
    if not out.is_dir():
        raise BaocaoError("--out is a file, not a folder", out)
    return {entry.name for entry in out.iterdir()}


def check_out(out: Path) -> None:
    """Refuse an ``--out`` that a publish would destroy: it must be missing, empty, or a package a build wrote.

    A baocao package is a folder holding a datapackage.json of profile
    ``tabular-data-package`` and only the files that descriptor names.
    """
    out = Path(out).resolve()
    names = _out_names(out)
    if not names:
        return
    refusal = "--out must be an empty folder or a data package written by baocao; "
    descriptor_path = out / "datapackage.json"
    try:
        descriptor = json.loads(descriptor_path.read_bytes()) if descriptor_path.is_file() else None
    except (OSError, ValueError):
        descriptor = None
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if (
        not isinstance(descriptor, dict)
        or descriptor.get("profile") != "tabular-data-package"
        or not isinstance(resources, list)
        or not all(isinstance(r, dict) and isinstance(r.get("path"), str) for r in resources)
    ):
        raise BaocaoError(
            refusal + f"it holds {len(names)} file(s) and no baocao datapackage.json, and a build replaces it whole",
            out,
        )
    written = {"datapackage.json"} | {r["path"].split("/")[0] for r in resources}
    others = sorted(names - written)
    if others:
        raise BaocaoError(
            refusal + f"this package folder also holds {len(others)} file(s) a build does not write, "
            f"such as {others[0]!r}",
            out,
        )


def check_site_out(out: Path) -> None:
    """Refuse a site ``--out`` that a publish would destroy: it must be missing, empty, or a site baocao wrote.

    A baocao site is a folder holding the ``site.json`` (landing page and Datasette
    metadata) and ``datasette-metadata.json`` that every ``baocao site`` writes.
    """
    out = Path(out).resolve()
    names = _out_names(out)
    if not names:
        return
    try:
        site = json.loads((out / "site.json").read_bytes()) if (out / "site.json").is_file() else None
    except (OSError, ValueError):
        site = None
    if not (isinstance(site, dict) and {"landing", "metadata"} <= set(site) and "datasette-metadata.json" in names):
        raise BaocaoError(
            f"--out must be an empty folder or a site written by baocao; it holds {len(names)} file(s) and no "
            "baocao site.json, and a site build replaces it whole",
            out,
        )


def publish(out: Path, files: dict[str, bytes], check: Callable[[Path], None] | None = None) -> None:
    """Write ``files`` into a fresh folder and swap it in for ``out`` only when all are written.

    A build killed at any point leaves either the previous ``out`` or the new one, or, killed
    between the two renames of the swap, the previous one beside it as ``.<out>.old``, which
    the next command that reads or writes it puts back (see recover()). ``check(out)``, if
    given, runs just before the swap, under the lock: check_out() for a data package.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with _publish_lock(out):
        _recover(out)
        if check is not None:
            check(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
        try:
            for name, data in files.items():
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                with open(staging / name, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            os.chmod(staging, 0o755)
            previous = None
            if out.exists():
                previous = out.with_name(f".{out.name}.old")
                os.replace(out, previous)
                fault_point("publish:after-first-rename")
            os.replace(staging, out)
            fault_point("publish:after-second-rename")
            if previous is not None:
                shutil.rmtree(previous)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
