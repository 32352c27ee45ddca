"""Stage 7, load: the data package becomes a SQLite database, built aside and moved into place."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlite_utils

from baocao import paths
from baocao.errors import BaocaoError
from baocao.metadata import Metadata
from baocao.text import fold, vi_sort_key

SQL_TYPES = {"string": str, "integer": int, "number": float, "date": str, "boolean": int}


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
    descriptor_path = Path(package_dir) / "datapackage.json"
    if not descriptor_path.exists():
        raise BaocaoError("no datapackage.json; run `baocao build` first", package_dir)
    return json.loads(descriptor_path.read_text(encoding="utf-8"))


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
    clock = time.perf_counter

    def spent(phase: str, since: float) -> float:
        now = clock()
        timings[phase] = timings.get(phase, 0.0) + now - since
        return now

    site = (metadata or Metadata()).site
    package_dir = Path(package_dir)
    descriptor = read_package(package_dir)
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    os.close(handle)
    temporary_path = Path(temporary)
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
                with open(package_dir / resource["path"], encoding="utf-8", newline="") as source:
                    reader = csv.reader(source)
                    header = next(reader)
                    if header != [name for name, _ in kinds]:
                        raise BaocaoError(f"{resource['path']}: header differs from the schema", package_dir)
                    rows = []
                    for line, row in enumerate(reader, start=2):
                        if len(row) != len(kinds):
                            raise BaocaoError(
                                f"{resource['path']} line {line}: {len(row)} cells, {len(kinds)} columns", package_dir
                            )
                        rows.append(tuple(_convert(v, kind) for v, (_, kind) in zip(row, kinds, strict=True)))
                mark = spent("read", mark)
                placeholders = ", ".join("?" for _ in kinds)
                names = ", ".join(f"[{name}]" for name, _ in kinds)
                connection.executemany(f"INSERT INTO [{resource['name']}] ({names}) VALUES ({placeholders})", rows)
                mark = spent("insert", mark)
                timings["rows"] = timings.get("rows", 0) + len(rows)
                declared = resource.get("rowCount")
                if declared is not None and declared != len(rows):
                    raise BaocaoError(f"{resource['name']}: {len(rows)} rows read, {declared} declared", package_dir)
                counts[resource["name"]] = len(rows)
                for fk_column, _, _ in foreign_keys:
                    table.create_index([fk_column], if_not_exists=True)
                spent("index", mark)
            mark = clock()
            for resource in resources:
                if "sqlView" in resource:
                    connection.execute(f"CREATE VIEW [{resource['name']}] AS {resource['sqlView']}")
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
        os.replace(temporary_path, db_path)
    except BaseException:
        temporary_path.unlink(missing_ok=True)
        raise
    mark = spent("finish", mark)
    write_inspect_file(db_path, inspect_file or db_path.with_name("inspect.json"))
    spent("inspect", mark)
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
    """An FTS5 table per searchable table, holding each column as written and folded.

    The tokenizer drops combining marks, so "giai ngan" finds "giải ngân"; đ has no
    combining mark, so the folded copy (đ -> d) is what lets "Cho Don" find "Chợ Đồn".
    """
    for table, columns in search.items():
        folded = [f"{c}_folded" for c in columns]
        names = ", ".join(f"[{c}]" for c in columns + folded)
        connection.execute(
            # contentless: the text is in the table already; Datasette only needs the rowids that match
            f"CREATE VIRTUAL TABLE [{table}_fts] USING fts5({names}, content = '', "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        rows = connection.execute(f"SELECT rowid, {', '.join(f'[{c}]' for c in columns)} FROM [{table}]").fetchall()
        placeholders = ", ".join("?" for _ in range(1 + 2 * len(columns)))
        connection.executemany(
            f"INSERT INTO [{table}_fts] (rowid, {names}) VALUES ({placeholders})",
            [(row[0], *row[1:], *(fold(v) if v else v for v in row[1:])) for row in rows],
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


def write_inspect_file(db_path: Path, inspect_file: Path) -> None:
    """``datasette inspect``: table counts computed once, so that serving never counts."""
    handle, temporary = tempfile.mkstemp(prefix=f".{inspect_file.name}.", suffix=".tmp", dir=inspect_file.parent)
    os.close(handle)
    try:
        subprocess.run(
            [sys.executable, "-m", "datasette", "inspect", str(db_path), "--inspect-file", temporary],
            check=True,
            capture_output=True,
            text=True,
        )
        os.chmod(temporary, 0o644)
        os.replace(temporary, inspect_file)
    except subprocess.CalledProcessError as error:
        Path(temporary).unlink(missing_ok=True)
        raise BaocaoError(f"datasette inspect failed: {error.stderr.strip().splitlines()[-1]}", db_path) from None
