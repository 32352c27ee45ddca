"""Stage 7, load: the data package becomes a SQLite database, built aside and moved into place."""

from __future__ import annotations

import concurrent.futures
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from baocao.core import paths
from baocao.core.errors import BaocaoError, fault_point
from baocao.core.metadata import Metadata
from baocao.core.text import vi_sort_key
from baocao.database.csvfiles import read_package
from baocao.database.dbfiles import check_inspect_file, load_lock, remove_left_over, write_inspect_file
from baocao.database.loadparts import Clock, copy_part, groups_of, load_tables, run_part, side_by_side, table_schema

__all__ = ["add_search", "add_sort_keys", "check_inspect_file", "load_package", "read_package"]


def load_package(
    package_dir: Path = paths.DATAPACKAGE,
    db_path: Path = paths.DATABASE,
    inspect_file: Path | None = None,
    metadata: Metadata | None = None,
    timings: dict[str, float] | None = None,
    parts: int | None = None,
) -> dict[str, int]:
    """Build ``db_path`` from the package; returns rows loaded per table.

    ``timings``, if given, receives the seconds spent per phase (those of the other processes added up
    under "part <phase>"), the rows inserted and the number of processes. ``parts``: how
    many processes load the tables side by side (by default one per core, and one for a
    package under baocao.database.loadparts.PARALLEL_BYTES; a process is started only if it has tables to load).
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
        return _load(package_dir, descriptor, db_path, inspect_file, site, timings, parts)


def _load(
    package_dir: Path,
    descriptor: dict[str, Any],
    db_path: Path,
    inspect_file: Path,
    site: dict[str, Any],
    timings: dict[str, float],
    parts: int | None,
) -> dict[str, int]:
    clock = Clock(timings)
    handle, temporary = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    os.close(handle)
    temporary_path = Path(temporary)
    part_paths: list[Path] = []
    inspect_temporary: Path | None = None
    counts: dict[str, int] = {}
    try:
        resources = descriptor["resources"]
        tables = _dependency_order([r for r in resources if "sqlView" not in r])
        schema = table_schema(tables)
        search = {table: columns for table, columns in site.get("search", {}).items() if table in schema}
        groups = groups_of(package_dir, tables, search, parts)
        timings["processes"] = len(groups)
        for _ in groups[1:]:
            handle, part = tempfile.mkstemp(prefix=f".{db_path.name}.part-", suffix=".tmp", dir=db_path.parent)
            os.close(handle)
            part_paths.append(Path(part))
        connection = sqlite3.connect(temporary_path)
        # a file being built aside, thrown away on any failure: no journal, no fsync until it is complete
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        _create_tables(connection, schema, groups[0])
        clock.spent("schema")
        counts.update(_load_groups(connection, package_dir, groups, schema, search, part_paths, clock))
        with connection:
            _create_views(connection, package_dir, resources)
            add_sort_keys(connection, {t: c for t, c in site.get("sort_keys", {}).items() if t in schema})
            clock.spent("search")
        counts.update(_finish(connection, temporary_path, package_dir, resources))
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
        for part in part_paths:
            part.unlink(missing_ok=True)
        if inspect_temporary is not None:
            inspect_temporary.unlink(missing_ok=True)
        raise
    return counts


def _create_tables(connection: sqlite3.Connection, schema: dict, loaded_here: list[dict[str, Any]]) -> None:
    """Every table, empty; those loaded by another process with their indexes (filled by the copy)."""
    here = {resource["name"] for resource in loaded_here}
    for name, (create, indexes) in schema.items():
        connection.execute(create)
        if name not in here:
            for index in indexes:
                connection.execute(index)
    connection.commit()


def _load_groups(
    connection: sqlite3.Connection,
    package_dir: Path,
    groups: list[list[dict[str, Any]]],
    schema: dict,
    search: dict[str, list[str]],
    part_paths: list[Path],
    clock: Clock,
) -> dict[str, int]:
    """The first group loaded and searchable here while the others are loaded by processes of their
    own, each into its part file, then copied in; rows per table."""
    counts = {}
    timings = clock.timings
    with side_by_side(len(groups) - 1) as pool:
        loading = [
            pool.submit(run_part, package_dir, group, schema, part)
            for group, part in zip(groups[1:], part_paths, strict=True)
        ]
        counts.update(load_tables(connection, package_dir, groups[0], schema, clock))
        add_search(connection, search)
        connection.commit()
        clock.spent("search")
        for future, part in zip(loading, part_paths, strict=True):
            part_counts, part_timings = future.result()
            clock.spent("wait for parts")
            timings["rows"] = timings.get("rows", 0) + part_timings.pop("rows", 0)
            for phase, seconds in part_timings.items():
                timings[f"part {phase}"] = timings.get(f"part {phase}", 0.0) + seconds
            copy_part(connection, part, part_counts)
            counts.update(part_counts)
            part.unlink()
            clock.spent("copy parts")
    return counts


def _create_views(connection: sqlite3.Connection, package_dir: Path, resources: list[dict]) -> None:
    """The report's tables as views (their rows are counted by _count_views)."""
    for resource in resources:
        if "sqlView" not in resource:
            continue
        try:
            connection.execute(f"CREATE VIEW [{resource['name']}] AS {resource['sqlView']}")
        except sqlite3.Error as error:
            raise BaocaoError(f"view {resource['name']}: {error}", package_dir) from None


def _count_views(db_path: Path, package_dir: Path, resources: list[dict]) -> dict[str, int]:
    """Each view's rows, checked against the row count the package declares; on a connection of its own."""
    counts = {}
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)  # made and used in its thread
    try:
        for resource in resources:
            if "sqlView" not in resource:
                continue
            name = resource["name"]
            counts[name] = connection.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
            declared = resource.get("rowCount", counts[name])
            if counts[name] != declared:
                raise BaocaoError(f"view {name}: {counts[name]} rows, {declared} in the package", package_dir)
    finally:
        connection.close()
    return counts


def _finish(connection: sqlite3.Connection, db_path: Path, package_dir: Path, resources: list[dict]) -> dict[str, int]:
    """Foreign keys checked while the views are counted (two readers, side by side), then statistics
    for the planner; the connection closed. Returns the views' row counts."""
    connection.commit()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        views = pool.submit(_count_views, db_path, package_dir, resources)
        problems = connection.execute("PRAGMA foreign_key_check").fetchall()
        counts = views.result()
    if problems:
        raise BaocaoError(f"foreign keys broken in {len(problems)} row(s), first: {problems[0]}", package_dir)
    # statistics, so that a filter uses its index instead of scanning by key; from a sample of each index
    connection.execute("PRAGMA analysis_limit = 1000")
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()
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
    """An FTS5 table per searchable table, that Datasette finds by itself (``content="table"``) and that answers
    words written with or without their marks, in this site or in plain Datasette and SQLite.

    Each row is indexed twice: its text as written, whose marks the tokenizer drops ("Chợ Đồn" gives "cho"
    and "đon", as a query "Chợ Đồn" does), and the same text folded in the column ``search_folded`` (đ written
    d first, which has no mark to drop: "cho don"). That column is generated and virtual: computed when read,
    stored nowhere, and not among the table's columns that Datasette lists. The site folds the words searched
    for the same way (baocao_web.lang.fold). The index is merged into one segment once built.
    """
    for table, columns in search.items():
        names = ", ".join(f"[{c}]" for c in columns)
        joined = " || ' ' || ".join(f"coalesce([{c}], '')" for c in columns)
        connection.execute(
            f"ALTER TABLE [{table}] ADD COLUMN [search_folded] TEXT "
            f"GENERATED ALWAYS AS (replace(replace({joined}, 'đ', 'd'), 'Đ', 'D')) VIRTUAL"
        )
        connection.execute(
            f"CREATE VIRTUAL TABLE [{table}_fts] USING fts5({names}, [search_folded], "
            f'content="{table}", content_rowid="rowid", tokenize="unicode61 remove_diacritics 2")'
        )
        # segments are not merged while the rows go in (a quarter less time), but once, by 'optimize', after
        connection.execute(f"INSERT INTO [{table}_fts] ([{table}_fts], rank) VALUES ('automerge', 0)")
        connection.execute(f"INSERT INTO [{table}_fts] ([{table}_fts]) VALUES ('rebuild')")
        connection.execute(f"INSERT INTO [{table}_fts] ([{table}_fts]) VALUES ('optimize')")
        connection.execute(f"INSERT INTO [{table}_fts] ([{table}_fts], rank) VALUES ('automerge', 4)")  # the default


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
