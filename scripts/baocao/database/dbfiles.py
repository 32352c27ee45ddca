"""The files beside the database: one load at a time, left-overs of killed loads, and the inspect file."""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from baocao.core.errors import BaocaoError
from baocao.package.publish import MAX_DESCRIPTOR_BYTES
from baocao.reading.read import regular_file_bytes


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
    """What ``datasette inspect`` writes, computed here: the file's sha256 and size and every table's
    row count, so that serving never counts.

    Written beside ``inspect_file`` and returned unpublished: the caller renames it into
    place. With ``name``, the counts are recorded for the database ``db_path`` will be
    renamed to (Datasette keys them by file name; the sha256 and size stay those of the file).
    """
    final = Path(name or db_path)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        digest = pool.submit(_sha256, db_path)  # hashed while counted: both outside the GIL
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            counts = {t: {"count": connection.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]} for t in tables}
        except sqlite3.Error as error:
            raise BaocaoError(f"cannot count the tables: {error}", db_path) from None
        finally:
            connection.close()
        # the file's name only: Datasette matches inspect data to a database by its name, and the folder is
        # the publishing machine's, which a moved or packaged site must not carry
        entry = {"hash": digest.result(), "size": db_path.stat().st_size, "file": final.name, "tables": counts}
    handle, temporary = tempfile.mkstemp(prefix=f".{inspect_file.name}.", suffix=".tmp", dir=inspect_file.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({final.stem: entry}, out, indent=2)
        os.chmod(temporary, 0o644)
        return Path(temporary)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
