"""Stage 7, load: the data package becomes a SQLite database, built aside and moved into place."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlite_utils

from baocao import paths
from baocao.dbfiles import check_inspect_file, load_lock, remove_left_over, write_inspect_file
from baocao.errors import BaocaoError, fault_point
from baocao.metadata import Metadata
from baocao.publish import MAX_DESCRIPTOR_BYTES, MAX_RESOURCE_BYTES, recover_before_read
from baocao.read import regular_file_bytes
from baocao.text import vi_sort_key

__all__ = ["check_inspect_file", "load_package", "read_package"]

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


def _read_rows(package_dir: Path, resource: dict[str, Any], kinds: list[tuple[str, str]]) -> list[list[str]]:
    """The rows of a resource's CSV, as text (SQLite types them: see _placeholder); checked against
    its header, rowCount, bytes and hash."""
    path = package_dir / resource["path"]
    data = regular_file_bytes(path, MAX_RESOURCE_BYTES, "resource")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BaocaoError(f"not UTF-8 (invalid byte at offset {error.start})", path) from None
    csv.field_size_limit(max(csv.field_size_limit(), len(data) + 1))  # a cell may be as long as its file
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header != [name for name, _ in kinds]:
            raise BaocaoError(f"{resource['path']}: header differs from the schema", package_dir)
        rows = list(reader)  # rows of another length are refused by the insert (see _short_or_long_row)
    except csv.Error as error:
        raise BaocaoError(f"line {reader.line_num}: not valid CSV ({error})", path) from None
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
    with load_lock(db_path.parent):
        remove_left_over(db_path, inspect_file)
        return _load(package_dir, descriptor, db_path, inspect_file, site, timings)


class _Clock:
    """Seconds spent per phase of the load, added into ``timings``."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings
        self.mark = time.perf_counter()

    def spent(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - self.mark
        self.mark = now


def _load(
    package_dir: Path,
    descriptor: dict[str, Any],
    db_path: Path,
    inspect_file: Path,
    site: dict[str, Any],
    timings: dict[str, float],
) -> dict[str, int]:
    clock = _Clock(timings)
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
        resources = descriptor["resources"]
        with connection:
            # parents before children, so that foreign keys can be declared on create
            for resource in _dependency_order([r for r in resources if "sqlView" not in r]):
                counts[resource["name"]] = _load_table(connection, package_dir, resource, clock)
            clock.spent("index")
            counts.update(_create_views(connection, package_dir, resources))
            clock.spent("views")
            add_sort_keys(connection, site.get("sort_keys", {}))
            add_search(connection, site.get("search", {}))
            clock.spent("search")
        _finish(connection, package_dir, site)
        with open(temporary_path, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temporary_path, 0o644)  # mkstemp makes it private; the server may run as another user
        clock.spent("finish")
        # the inspect file is computed on the finished file, under the database's final name, before either
        # is published: the two renames below are all that separates the old pair from the new one
        inspect_temporary = write_inspect_file(temporary_path, inspect_file, name=db_path)
        clock.spent("inspect")
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


def _load_table(connection: sqlite3.Connection, package_dir: Path, resource: dict[str, Any], clock: _Clock) -> int:
    """One resource as a table with its keys, rows and foreign-key indexes; returns its row count."""
    schema = resource["schema"]
    fields = schema["fields"]
    foreign_keys = [
        (fk["fields"][0], fk["reference"]["resource"] or resource["name"], fk["reference"]["fields"][0])
        for fk in schema.get("foreignKeys", [])
    ]
    table = sqlite_utils.Database(connection).table(resource["name"])
    table.create(
        {f["name"]: SQL_TYPES[f["type"]] for f in fields},
        pk=schema["primaryKey"][0] if len(schema["primaryKey"]) == 1 else tuple(schema["primaryKey"]),
        foreign_keys=foreign_keys,
        not_null={f["name"] for f in fields if f.get("constraints", {}).get("required")},
    )
    kinds = [(f["name"], f["type"]) for f in fields]
    clock.spent("index")
    rows = _read_rows(package_dir, resource, kinds)
    clock.spent("read")
    placeholders = ", ".join(_placeholder(n, kind) for n, (_, kind) in enumerate(kinds, start=1))
    names = ", ".join(f"[{name}]" for name, _ in kinds)
    try:
        connection.executemany(f"INSERT INTO [{resource['name']}] ({names}) VALUES ({placeholders})", rows)
    except sqlite3.IntegrityError as error:
        raise BaocaoError(f"{resource['path']}: {error}", package_dir) from None
    except sqlite3.ProgrammingError:  # a row with more or fewer cells than the schema has columns
        raise _short_or_long_row(package_dir, resource, rows, len(kinds)) from None
    _check_types(connection, package_dir, resource, kinds)
    clock.spent("insert")
    clock.timings["rows"] = clock.timings.get("rows", 0) + len(rows)
    for fk_column, _, _ in foreign_keys:
        table.create_index([fk_column], if_not_exists=True)
    return len(rows)


def _short_or_long_row(package_dir: Path, resource: dict, rows: list[list[str]], columns: int) -> BaocaoError:
    line, row = next((n, r) for n, r in enumerate(rows, start=2) if len(r) != columns)
    return BaocaoError(f"{resource['path']} line {line}: {len(row)} cells, {columns} columns", package_dir)


def _placeholder(n: int, kind: str) -> str:
    """The SQL that types the n-th CSV cell: empty is NULL, numbers by the column's affinity."""
    if kind == "boolean":
        return f"CASE ?{n} WHEN '' THEN NULL WHEN 'true' THEN 1 ELSE 0 END"
    return f"NULLIF(?{n}, '')"


# what a number cell must have become, by the column's affinity (anything else was not a number)
_TYPED = {"integer": ("integer",), "number": ("real", "integer")}


def _check_types(connection: sqlite3.Connection, package_dir: Path, resource: dict, kinds: list) -> None:
    """Refuse a number column holding a text that is not a number (SQLite keeps such a text as it is)."""
    for name, kind in kinds:
        if kind not in _TYPED:
            continue
        allowed = ", ".join(f"'{t}'" for t in (*_TYPED[kind], "null"))
        bad = connection.execute(
            f"SELECT [{name}] FROM [{resource['name']}] WHERE typeof([{name}]) NOT IN ({allowed}) LIMIT 1"
        ).fetchone()
        if bad is not None:
            raise BaocaoError(
                f"{resource['path']}: {name}: {bad[0]!r} is not {'an' if kind == 'integer' else 'a'} {kind}",
                package_dir,
            )


def _create_views(connection: sqlite3.Connection, package_dir: Path, resources: list[dict]) -> dict[str, int]:
    """The report's tables as views, each checked against the row count the package declares."""
    counts = {}
    for resource in resources:
        if "sqlView" not in resource:
            continue
        name = resource["name"]
        try:
            connection.execute(f"CREATE VIEW [{name}] AS {resource['sqlView']}")
        except sqlite3.Error as error:
            raise BaocaoError(f"view {name}: {error}", package_dir) from None
        counts[name] = connection.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
        if counts[name] != resource.get("rowCount", counts[name]):
            raise BaocaoError(f"view {name}: {counts[name]} rows, {resource['rowCount']} in the package", package_dir)
    return counts


def _finish(connection: sqlite3.Connection, package_dir: Path, site: dict[str, Any]) -> None:
    """Foreign keys checked, search indexes merged, statistics for the planner; the connection closed."""
    problems = connection.execute("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise BaocaoError(f"foreign keys broken in {len(problems)} row(s), first: {problems[0]}", package_dir)
    for table in site.get("search", {}):
        connection.execute(f"INSERT INTO [{table}_fts] ([{table}_fts]) VALUES ('optimize')")
    # statistics, so that a filter uses its index instead of scanning by key; from a sample of each index
    connection.execute("PRAGMA analysis_limit = 1000")
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()


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
    """An FTS5 table per searchable table, each text indexed once, folded: the tokenizer drops the marks
    and the case, and đ, which has no mark to drop, is written d first.

    Contentless: the text is in the table already. The site folds the words searched for the same way
    (baocao_web.lang.fold), so "giai ngan" and "giải ngân" find "giải ngân", "Cho Don" finds "Chợ Đồn".
    """
    for table, columns in search.items():
        names = ", ".join(f"[{c}]" for c in columns)
        connection.execute(
            f"CREATE VIRTUAL TABLE [{table}_fts] USING fts5({names}, content = '', "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        rows = connection.execute(f"SELECT rowid, {names} FROM [{table}]")
        placeholders = ", ".join("?" for _ in range(1 + len(columns)))
        connection.executemany(
            f"INSERT INTO [{table}_fts] (rowid, {names}) VALUES ({placeholders})",
            ((row[0], *(v.replace("đ", "d").replace("Đ", "D") if v else v for v in row[1:])) for row in rows),
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
