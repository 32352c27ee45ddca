"""The files beside the database: one load at a time, left-overs of killed loads, and the inspect file."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from baocao.errors import BaocaoError
from baocao.package import MAX_DESCRIPTOR_BYTES
from baocao.read import regular_file_bytes


@contextlib.contextmanager
def load_lock(folder: Path) -> Iterator[None]:
    """One load at a time into ``folder``: flock(), released by the kernel if the load is killed.

    While it is held, temporary files beside the database are left over from killed loads.
    """
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def remove_left_over(db_path: Path, inspect_file: Path) -> None:
    """Delete the temporary database and inspect files that killed loads left (call under _load_lock)."""
    for target in (db_path, inspect_file):
        prefix = f".{target.name}."
        for name in os.listdir(target.parent):
            if name.startswith(prefix) and name.endswith(".tmp"):
                (target.parent / name).unlink(missing_ok=True)


def check_inspect_file(db_path: Path, inspect_file: Path | None = None) -> None:
    """Refuse a database and inspect file that do not belong together.

    The inspect file records the sha256 and size of the database it was computed on;
    a load killed between publishing the one and the other leaves a pair whose counts
    would be wrong (457 rows shown for a table of 21), so it is refused until the next load.
    """
    db_path = Path(db_path)
    inspect_file = inspect_file or db_path.with_name("inspect.json")
    try:
        recorded = json.loads(regular_file_bytes(inspect_file, MAX_DESCRIPTOR_BYTES, "inspect file"))
        entry = recorded[db_path.stem]
        hash_, size = entry["hash"], entry["size"]
    except (ValueError, KeyError, TypeError):
        raise BaocaoError(f"not the inspect file of {db_path.name}; run `baocao load`", inspect_file) from None
    info = db_path.stat()
    if info.st_size != size or _sha256(db_path) != hash_:
        raise BaocaoError(
            f"describes another database than {db_path} (a load was interrupted?); run `baocao load`", inspect_file
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_inspect_file(db_path: Path, inspect_file: Path, name: Path | None = None) -> Path:
    """``datasette inspect``: table counts computed once, so that serving never counts.

    Written beside ``inspect_file`` and returned unpublished: the caller renames it into
    place. With ``name``, the counts are recorded for the database ``db_path`` will be
    renamed to (Datasette keys them by file name; the sha256 and size stay those of the file).
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{inspect_file.name}.", suffix=".tmp", dir=inspect_file.parent)
    os.close(handle)
    try:
        subprocess.run(
            [sys.executable, "-m", "datasette", "inspect", str(db_path), "--inspect-file", temporary],
            check=True,
            capture_output=True,
            text=True,
        )
        if name is not None:
            [entry] = json.loads(Path(temporary).read_text(encoding="utf-8")).values()
            entry["file"] = str(name)
            Path(temporary).write_text(json.dumps({Path(name).stem: entry}, indent=2), encoding="utf-8")
        os.chmod(temporary, 0o644)
        return Path(temporary)
    except subprocess.CalledProcessError as error:
        Path(temporary).unlink(missing_ok=True)
        raise BaocaoError(f"datasette inspect failed: {error.stderr.strip().splitlines()[-1]}", db_path) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
