"""The tables of a package loaded side by side: split into groups of about equal work, each loaded by a
process of its own into a database file, and copied whole into the database; and how one group of
tables is loaded: Arrow's rows inserted, typed by SQLite, checked, then indexed."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from baocao.core.errors import BaocaoError
from baocao.database.csvfiles import SQL_TYPES, read_rows

__all__ = [
    "PARALLEL_BYTES",
    "Clock",
    "copy_part",
    "groups_of",
    "load_tables",
    "run_part",
    "side_by_side",
    "table_schema",
]


class Clock:
    """Seconds spent per phase of the load, added into ``timings``."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings
        self.mark = time.perf_counter()

    def spent(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - self.mark
        self.mark = now


# a package smaller than this is loaded by one process: starting another costs more than it saves
PARALLEL_BYTES = 64 << 20


def table_schema(tables: list[dict[str, Any]]) -> dict[str, tuple[str, list[str]]]:
    """Each table's CREATE TABLE and its foreign-key CREATE INDEXes, in dependency order: the same
    text in every file a part is loaded into, as copying a part's table whole requires."""
    connection = sqlite3.connect(":memory:")
    database = sqlite_utils.Database(connection)
    for resource in tables:
        schema = resource["schema"]
        fields = schema["fields"]
        foreign_keys = [
            (fk["fields"][0], fk["reference"]["resource"] or resource["name"], fk["reference"]["fields"][0])
            for fk in schema.get("foreignKeys", [])
        ]
        table = database.table(resource["name"])
        table.create(
            {f["name"]: SQL_TYPES[f["type"]] for f in fields},
            pk=schema["primaryKey"][0] if len(schema["primaryKey"]) == 1 else tuple(schema["primaryKey"]),
            foreign_keys=foreign_keys,
            not_null={f["name"] for f in fields if f.get("constraints", {}).get("required")},
        )
        for column, _, _ in foreign_keys:
            table.create_index([column], if_not_exists=True)
    result = {}
    for resource in tables:
        name = resource["name"]
        [create] = connection.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        indexes = connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
            (name,),
        )
        result[name] = (create[0], [sql for (sql,) in indexes])
    connection.close()
    return result


def groups_of(
    package_dir: Path, tables: list[dict[str, Any]], search: dict[str, list[str]], parts: int | None
) -> list[list[dict[str, Any]]]:
    """The tables split into groups of about equal work, each loaded by a process of its own.

    The first is loaded by this process, into the database itself, with every searchable
    table (its search index is built where it is served). The work of a table is its bytes,
    a tenth more for each of its indexes, and as much again to index a searchable one.
    """
    sizes, work = {}, {}
    for resource in tables:
        try:
            sizes[resource["name"]] = os.stat(package_dir / resource["path"]).st_size
        except OSError:
            sizes[resource["name"]] = 0  # read, and refused with its reason, by whichever process loads it
        indexes = len(resource["schema"].get("foreignKeys", []))
        work[resource["name"]] = sizes[resource["name"]] * (1 + indexes / 10 + (resource["name"] in search))
    if parts is None:
        parts = (os.cpu_count() or 1) if sum(sizes.values()) >= PARALLEL_BYTES else 1
    groups: list[list[dict[str, Any]]] = [[] for _ in range(max(1, parts))]
    done = [0.0] * len(groups)
    for resource in tables:
        if resource["name"] in search:
            groups[0].append(resource)
            done[0] += work[resource["name"]]
    for resource in sorted(tables, key=lambda r: -work[r["name"]]):
        if resource["name"] not in search:
            least = min(range(len(groups)), key=lambda n: done[n])
            groups[least].append(resource)
            done[least] += work[resource["name"]]
    return [groups[0]] + [group for group in groups[1:] if group]


@contextlib.contextmanager
def side_by_side(processes: int) -> Iterator[Any]:
    """Threads that each wait on a process loading a part (see run_part); none for one group."""
    if not processes:
        yield None
        return
    with concurrent.futures.ThreadPoolExecutor(processes) as pool:
        yield pool


def run_part(
    package_dir: Path, group: list[dict[str, Any]], schema: dict[str, tuple[str, list[str]]], part: Path
) -> tuple[dict[str, int], dict[str, float]]:
    """``group``'s tables loaded into the database file ``part`` by a Python process of its own
    (``python -m baocao.database.loadparts``, the job on its standard input); its row counts and timings.

    A process started afresh, not forked (this one holds threads) nor spawned by multiprocessing
    (which would run the caller's main script again). Its refusal is raised here as its one line.
    """
    job = json.dumps({"package": str(package_dir), "group": group, "schema": schema, "part": str(part)})
    environment = dict(os.environ)
    here = str(Path(__file__).resolve().parents[2])  # the folder baocao is imported from
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [here, environment.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", "baocao.database.loadparts"], input=job, capture_output=True, text=True, env=environment
    )
    if done.returncode == 2:
        raise BaocaoError(done.stdout.strip())
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise BaocaoError(f"loading a part of the package failed: {reason}", package_dir)
    result = json.loads(done.stdout)
    return result["counts"], result["timings"]


def _load_part(
    package_dir: Path, group: list[dict[str, Any]], schema: dict[str, tuple[str, list[str]]], part: Path
) -> tuple[dict[str, int], dict[str, float]]:
    """``group``'s tables loaded into the database file ``part``; its row counts and timings."""
    timings: dict[str, float] = {}
    clock = Clock(timings)
    connection = sqlite3.connect(part)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        for resource in group:
            connection.execute(schema[resource["name"]][0])
        counts = load_tables(connection, package_dir, group, schema, clock)
        connection.commit()
    finally:
        connection.close()
    return counts, timings


def _part_main() -> None:
    """``python -m baocao.database.loadparts``: a part loaded as run_part asks; its result or refusal on stdout."""
    job = json.load(sys.stdin)
    try:
        counts, timings = _load_part(Path(job["package"]), job["group"], job["schema"], Path(job["part"]))
    except BaocaoError as error:
        print(str(error))
        sys.exit(2)
    json.dump({"counts": counts, "timings": timings}, sys.stdout)


def load_tables(
    connection: sqlite3.Connection,
    package_dir: Path,
    group: list[dict[str, Any]],
    schema: dict[str, tuple[str, list[str]]],
    clock: Clock,
) -> dict[str, int]:
    """The group's tables (created already) filled, their cells checked, then indexed; rows per table."""
    counts = {}
    for resource in group:
        kinds = [(f["name"], f["type"]) for f in resource["schema"]["fields"]]
        rows = read_rows(package_dir, resource, kinds)
        clock.spent("read")
        placeholders = ", ".join(_placeholder(n, kind) for n, (_, kind) in enumerate(kinds, start=1))
        names = ", ".join(f"[{name}]" for name, _ in kinds)
        insert = f"INSERT INTO [{resource['name']}] ({names}) VALUES ({placeholders})"
        for batch in rows.batches():
            clock.spent("read")
            try:
                connection.executemany(insert, batch)
            except sqlite3.IntegrityError as error:
                raise BaocaoError(f"{resource['path']}: {error}", package_dir) from None
            clock.spent("insert")
        _check_types(connection, package_dir, resource, kinds)
        clock.spent("insert")
        clock.timings["rows"] = clock.timings.get("rows", 0) + rows.count
        counts[resource["name"]] = rows.count
        for index in schema[resource["name"]][1]:
            connection.execute(index)
        clock.spent("index")
    return counts


def copy_part(connection: sqlite3.Connection, part: Path, counts: dict[str, int]) -> None:
    """A part's tables copied into the database whole, page by page with their indexes (SQLite copies
    a table so when both are declared alike and the one copied into is empty)."""
    connection.commit()
    connection.execute("ATTACH DATABASE ? AS part", (str(part),))
    try:
        with connection:
            for name in counts:
                connection.execute(f"INSERT INTO main.[{name}] SELECT * FROM part.[{name}]")
    finally:
        connection.execute("DETACH DATABASE part")


def _placeholder(n: int, kind: str) -> str:
    """The SQL that types the n-th CSV cell: empty is NULL, numbers by the column's affinity."""
    if kind == "boolean":
        return f"CASE ?{n} WHEN '' THEN NULL WHEN 'true' THEN 1 ELSE 0 END"
    return f"NULLIF(?{n}, '')"


# what a number cell must have become, by the column's affinity (anything else was not a number)
_TYPED = {"integer": ("integer",), "number": ("real", "integer")}


def _check_types(connection: sqlite3.Connection, package_dir: Path, resource: dict, kinds: list) -> None:
    """Refuse a number column holding a text that is not a number (SQLite keeps such a text as it is).

    One pass over the table for all its number columns; the column at fault is named after.
    """
    checked = [(name, kind) for name, kind in kinds if kind in _TYPED]
    if not checked:
        return
    wrong = [
        f"typeof([{name}]) NOT IN ({', '.join(repr(t) for t in (*_TYPED[kind], 'null'))})" for name, kind in checked
    ]
    columns = ", ".join(f"[{name}]" for name, _ in checked)
    bad = connection.execute(
        f"SELECT {columns} FROM [{resource['name']}] WHERE {' OR '.join(wrong)} LIMIT 1"
    ).fetchone()
    if bad is None:
        return
    for (name, kind), value in zip(checked, bad, strict=True):
        if not (value is None or isinstance(value, int) or (kind == "number" and isinstance(value, float))):
            raise BaocaoError(
                f"{resource['path']}: {name}: {value!r} is not {'an' if kind == 'integer' else 'a'} {kind}",
                package_dir,
            )


if __name__ == "__main__":
    _part_main()
