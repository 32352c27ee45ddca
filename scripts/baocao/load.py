"""Stage 7, load: the data package becomes a SQLite database, built aside and moved into place."""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from baocao import paths
from baocao.errors import BaocaoError, fault_point
from baocao.metadata import Metadata
from baocao.package import MAX_DESCRIPTOR_BYTES, MAX_RESOURCE_BYTES, recover_before_read
from baocao.read import regular_file_bytes
from baocao.text import fold, vi_sort_key

SQL_TYPES = {"string": str, "integer": int, "number": float, "date": str, "boolean": int}
# names that go into SQL between brackets, and relative paths inside the package folder
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.csv\Z")


def _convert(value: str, kind: str) -> Any:
    if value == "":
        return None
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return 1 if value == "true" else 0
    return value


def read_package(package_dir: Path) -> dict[str, Any]:
    """The package's descriptor, after putting back a package whose publish was killed mid-swap.

    Refused in one line: a descriptor that is missing, not a regular file, not JSON, or
    not shaped as a build writes it (resources with plain names, CSV paths inside the
    folder, known field types, foreign keys to resources that exist).
    """
    recover_before_read(package_dir)
    descriptor_path = Path(package_dir) / "datapackage.json"
    if not descriptor_path.exists():
        raise BaocaoError("no datapackage.json; run `baocao build` first", package_dir)
    data = regular_file_bytes(descriptor_path, MAX_DESCRIPTOR_BYTES, "descriptor")
    try:
        descriptor = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BaocaoError(f"not valid JSON ({error})", descriptor_path) from None
    problem = _shape_problem(descriptor)
    if problem:
        raise BaocaoError(f"not a data package baocao can load: {problem}", descriptor_path)
    _allow_cells_of(Path(package_dir), descriptor)
    return descriptor


def _allow_cells_of(package_dir: Path, descriptor: dict[str, Any]) -> None:
    """Lift the csv module's 131,072-character cell limit to the size of the package's largest file.

    A build writes whatever a report holds (a section's text can be longer than that), and
    every reader of the package (the load, the site and its downloads) reads it after this.
    """
    sizes = [0]
    for resource in descriptor["resources"]:
        with contextlib.suppress(OSError, KeyError):
            sizes.append(os.stat(package_dir / resource["path"]).st_size)
    csv.field_size_limit(max(csv.field_size_limit(), min(max(sizes) + 1, MAX_RESOURCE_BYTES)))


def _shape_problem(descriptor: Any) -> str | None:
    """What keeps ``descriptor`` from being loaded as a build writes it, or None."""
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        return "no list of resources"
    names = {r.get("name") for r in resources}
    for resource in resources:
        name = resource.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            return f"resource name {name!r} is not a plain name"
        if "sqlView" in resource:
            if not isinstance(resource["sqlView"], str):
                return f"{name}: sqlView is not text"
            continue
        path = resource.get("path")
        if not isinstance(path, str) or not _PATH.match(path):
            return f"{name}: path {path!r} is not a CSV file in the package folder"
        schema = resource.get("schema")
        fields = schema.get("fields") if isinstance(schema, dict) else None
        if not isinstance(fields, list) or not fields or not all(isinstance(f, dict) for f in fields):
            return f"{name}: no schema fields"
        field_names = {f.get("name") for f in fields}
        for field in fields:
            if not isinstance(field.get("name"), str) or not _NAME.match(field["name"]):
                return f"{name}: field name {field.get('name')!r} is not a plain name"
            if field.get("type") not in SQL_TYPES:
                return f"{name}.{field['name']}: type {field.get('type')!r} is not one of {sorted(SQL_TYPES)}"
        key = schema.get("primaryKey")
        if not isinstance(key, list) or not key or not set(key) <= field_names:
            return f"{name}: primaryKey {key!r} is not a list of its fields"
        for fk in schema.get("foreignKeys", []):
            try:
                parent = fk["reference"]["resource"] or name
                ok = (
                    parent in names and fk["fields"][0] in field_names and isinstance(fk["reference"]["fields"][0], str)
                )
            except (KeyError, IndexError, TypeError):
                ok = False
            if not ok:
                return f"{name}: foreign key {fk!r} does not name a resource and its fields"
    return None


@contextlib.contextmanager
def _load_lock(folder: Path) -> Iterator[None]:
    """One load at a time into ``folder``: flock(), released by the kernel if the load is killed.

    While it is held, temporary files beside the database are left over from killed loads.
    """
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _remove_left_over(db_path: Path, inspect_file: Path) -> None:
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


def _read_rows(package_dir: Path, resource: dict[str, Any], kinds: list[tuple[str, str]]) -> list[tuple]:
    """The rows of a resource's CSV, typed; checked against its header, rowCount, bytes and hash."""
    path = package_dir / resource["path"]
    data = regular_file_bytes(path, MAX_RESOURCE_BYTES, "resource")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BaocaoError(f"not UTF-8 (invalid byte at offset {error.start})", path) from None
    csv.field_size_limit(max(csv.field_size_limit(), len(data) + 1))  # a cell may be as long as its file
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    line = 1
    try:
        header = next(reader, None)
        if header != [name for name, _ in kinds]:
            raise BaocaoError(f"{resource['path']}: header differs from the schema", package_dir)
        for line, row in enumerate(reader, start=2):
            if len(row) != len(kinds):
                raise BaocaoError(
                    f"{resource['path']} line {line}: {len(row)} cells, {len(kinds)} columns", package_dir
                )
            rows.append(tuple(_convert(v, kind) for v, (_, kind) in zip(row, kinds, strict=True)))
    except csv.Error as error:
        raise BaocaoError(f"line {reader.line_num}: not valid CSV ({error})", path) from None
    except ValueError as error:
        raise BaocaoError(f"line {line}: {error}", path) from None
    declared = resource.get("rowCount")
    if declared is not None and declared != len(rows):
        raise BaocaoError(f"{resource['name']}: {len(rows)} rows read, {declared} declared", package_dir)
    if "bytes" in resource and resource["bytes"] != len(data):
        raise BaocaoError(f"{resource['name']}: {len(data)} bytes, {resource['bytes']} declared", package_dir)
    if "hash" in resource and str(resource["hash"]).split(":")[-1] != hashlib.sha256(data).hexdigest():
        raise BaocaoError(f"{resource['name']}: sha256 differs from the hash declared in datapackage.json", package_dir)
    return rows


def load_package(
    package_dir: Path = paths.DATAPACKAGE,
    db_path: Path = paths.DATABASE,
    inspect_file: Path | None = None,
    metadata: Metadata | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, int]:
    """Build ``db_path`` from the package; returns rows loaded per table.

    ``timings``, if given, receives the seconds spent reading the CSVs, inserting,
    indexing, building views, search and sort keys, and writing the inspect file.
    """
    timings = timings if timings is not None else {}
    site = (metadata or Metadata()).site
    package_dir = Path(package_dir)
    descriptor = read_package(package_dir)
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    inspect_file = Path(inspect_file or db_path.with_name("inspect.json"))
    with _load_lock(db_path.parent):
        _remove_left_over(db_path, inspect_file)
        return _load(package_dir, descriptor, db_path, inspect_file, site, timings)


def _load(
    package_dir: Path,
    descriptor: dict[str, Any],
    db_path: Path,
    inspect_file: Path,
    site: dict[str, Any],
    timings: dict[str, float],
) -> dict[str, int]:
    clock = time.perf_counter

    def spent(phase: str, since: float) -> float:
        now = clock()
        timings[phase] = timings.get(phase, 0.0) + now - since
        return now

    handle, temporary = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    os.close(handle)
    temporary_path = Path(temporary)
    inspect_temporary: Path | None = None
    counts: dict[str, int] = {}
    try:
        connection = sqlite3.connect(temporary_path)
        # a file being built aside, thrown away on any failure: no journal, no fsync until it is complete
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        db = sqlite_utils.Database(connection)
        resources = descriptor["resources"]
        # parents before children, so that foreign keys can be declared on create
        order = _dependency_order([r for r in resources if "sqlView" not in r])
        with connection:
            for resource in order:
                schema = resource["schema"]
                fields = schema["fields"]
                columns = {f["name"]: SQL_TYPES[f["type"]] for f in fields}
                foreign_keys = [
                    (fk["fields"][0], fk["reference"]["resource"] or resource["name"], fk["reference"]["fields"][0])
                    for fk in schema.get("foreignKeys", [])
                ]
                table = db.table(resource["name"])
                table.create(
                    columns,
                    pk=schema["primaryKey"][0] if len(schema["primaryKey"]) == 1 else tuple(schema["primaryKey"]),
                    foreign_keys=foreign_keys,
                    not_null={f["name"] for f in fields if f.get("constraints", {}).get("required")},
                )
                kinds = [(f["name"], f["type"]) for f in fields]
                mark = clock()
                rows = _read_rows(package_dir, resource, kinds)
                mark = spent("read", mark)
                placeholders = ", ".join("?" for _ in kinds)
                names = ", ".join(f"[{name}]" for name, _ in kinds)
                try:
                    connection.executemany(f"INSERT INTO [{resource['name']}] ({names}) VALUES ({placeholders})", rows)
                except sqlite3.IntegrityError as error:
                    raise BaocaoError(f"{resource['path']}: {error}", package_dir) from None
                mark = spent("insert", mark)
                timings["rows"] = timings.get("rows", 0) + len(rows)
                counts[resource["name"]] = len(rows)
                for fk_column, _, _ in foreign_keys:
                    table.create_index([fk_column], if_not_exists=True)
                spent("index", mark)
            mark = clock()
            for resource in resources:
                if "sqlView" in resource:
                    try:
                        connection.execute(f"CREATE VIEW [{resource['name']}] AS {resource['sqlView']}")
                    except sqlite3.Error as error:
                        raise BaocaoError(f"view {resource['name']}: {error}", package_dir) from None
                    counts[resource["name"]] = connection.execute(
                        f"SELECT count(*) FROM [{resource['name']}]"
                    ).fetchone()[0]
                    if counts[resource["name"]] != resource.get("rowCount", counts[resource["name"]]):
                        raise BaocaoError(
                            f"view {resource['name']}: {counts[resource['name']]} rows, "
                            f"{resource['rowCount']} in the package",
                            package_dir,
                        )
            mark = spent("views", mark)
            add_sort_keys(connection, site.get("sort_keys", {}))
            add_search(connection, site.get("search", {}))
            mark = spent("search", mark)
        problems = connection.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise BaocaoError(f"foreign keys broken in {len(problems)} row(s), first: {problems[0]}", package_dir)
        for table in site.get("search", {}):
            connection.execute(f"INSERT INTO [{table}_fts] ([{table}_fts]) VALUES ('optimize')")
        connection.execute("ANALYZE")  # statistics, so that a filter uses its index instead of scanning by key
        connection.commit()
        connection.close()
        with open(temporary_path, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temporary_path, 0o644)  # mkstemp makes it private; the server may run as another user
        mark = spent("finish", mark)
        # the inspect file is computed on the finished file, under the database's final name, before either
        # is published: the two renames below are all that separates the old pair from the new one
        inspect_temporary = write_inspect_file(temporary_path, inspect_file, name=db_path)
        spent("inspect", mark)
        fault_point("load:before-db-rename")
        os.replace(temporary_path, db_path)
        fault_point("load:after-db-rename")
        os.replace(inspect_temporary, inspect_file)
    except BaseException:
        temporary_path.unlink(missing_ok=True)
        if inspect_temporary is not None:
            inspect_temporary.unlink(missing_ok=True)
        raise
    return counts


def add_sort_keys(connection: sqlite3.Connection, sort_keys: dict[str, str]) -> None:
    """A Vietnamese dictionary-order key beside each named column: <column>_sort."""
    for table, column in sort_keys.items():
        connection.execute(f"ALTER TABLE [{table}] ADD COLUMN [{column}_sort] TEXT")
        rows = connection.execute(f"SELECT rowid, [{column}] FROM [{table}]").fetchall()
        connection.executemany(
            f"UPDATE [{table}] SET [{column}_sort] = ? WHERE rowid = ?",
            [(vi_sort_key(value or ""), rowid) for rowid, value in rows],
        )
        connection.execute(f"CREATE INDEX [idx_{table}_{column}_sort] ON [{table}] ([{column}_sort])")


def add_search(connection: sqlite3.Connection, search: dict[str, list[str]]) -> None:
    """An FTS5 table per searchable table, holding each column once, folded to ASCII (đ -> d, no marks).

    Contentless: the text is in the table already, and the site searches with the query folded
    the same way, so "giai ngan" and "giải ngân" both find "giải ngân", "Cho Don" finds "Chợ Đồn".
    """
    for table, columns in search.items():
        names = ", ".join(f"[{c}]" for c in columns)
        connection.execute(
            f"CREATE VIRTUAL TABLE [{table}_fts] USING fts5({names}, content = '', tokenize = 'unicode61')"
        )
        rows = connection.execute(f"SELECT rowid, {names} FROM [{table}]")
        placeholders = ", ".join("?" for _ in range(1 + len(columns)))
        connection.executemany(
            f"INSERT INTO [{table}_fts] (rowid, {names}) VALUES ({placeholders})",
            ((row[0], *(fold(v) if v else v for v in row[1:])) for row in rows),
        )


def _dependency_order(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_name = {r["name"]: r for r in resources}
    done: list[str] = []

    def visit(name: str, trail: tuple[str, ...] = ()) -> None:
        if name in done or name in trail:
            return
        for fk in by_name[name]["schema"].get("foreignKeys", []):
            parent = fk["reference"]["resource"]
            if parent and parent != name:
                visit(parent, trail + (name,))
        done.append(name)

    for resource in resources:
        visit(resource["name"])
    return [by_name[name] for name in done]


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
