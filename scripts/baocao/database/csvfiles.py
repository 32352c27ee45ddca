"""A data package as the load reads it: its descriptor, checked for the shape a build writes, and
each resource's CSV rows, checked against the header, row count, size and hash it declares."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from baocao.core.errors import BaocaoError
from baocao.package.publish import MAX_DESCRIPTOR_BYTES, MAX_RESOURCE_BYTES, recover_before_read
from baocao.reading.read import regular_file_bytes

__all__ = ["SQL_TYPES", "Rows", "convert_cell", "read_package", "read_rows"]

SQL_TYPES = {"string": str, "integer": int, "number": float, "date": str, "boolean": int}
# names that go into SQL between brackets, and relative paths inside the package folder
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.csv\Z")


def convert_cell(value: str, kind: str) -> Any:
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


def read_rows(package_dir: Path, resource: dict[str, Any], kinds: list[tuple[str, str]]) -> Rows:
    """The rows of a resource's CSV, as text (SQLite types them as they are inserted: see
    baocao.database.loadparts), checked against its header, rowCount, bytes and hash.

    Parsed by Arrow, in threads and outside the GIL; a file Arrow refuses is read again by the csv
    module, which names the line and the reason.
    """
    path = package_dir / resource["path"]
    data = regular_file_bytes(path, MAX_RESOURCE_BYTES, "resource")
    names = [name for name, _ in kinds]
    first_line = data[: data.find(b"\n") + 1 if b"\n" in data else len(data)]
    try:
        header = next(csv.reader(io.StringIO(first_line.decode("utf-8"), newline="")), None)
    except (UnicodeDecodeError, csv.Error):
        header = None
    if header != names:
        _read_rows_slowly(package_dir, resource, data, names)  # names the reason if it is not the header
        raise BaocaoError(f"{resource['path']}: header differs from the schema", package_dir)
    import pyarrow  # imported where rows are read: `baocao serve` starts without it
    import pyarrow.csv

    try:
        table = pyarrow.csv.read_csv(
            pyarrow.py_buffer(data),
            read_options=pyarrow.csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pyarrow.csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pyarrow.csv.ConvertOptions(
                column_types={name: pyarrow.string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pyarrow.ArrowInvalid as error:
        rows = _read_rows_slowly(package_dir, resource, data, names)
        if rows is None:  # the csv module read it: Arrow's reason is the one there is
            raise BaocaoError(f"not valid CSV ({str(error).splitlines()[0]})", path) from None
        table = None
    else:
        rows = None
    count = table.num_rows if table is not None else len(rows)
    declared = resource.get("rowCount")
    if declared is not None and declared != count:
        raise BaocaoError(f"{resource['name']}: {count} rows read, {declared} declared", package_dir)
    if "bytes" in resource and resource["bytes"] != len(data):
        raise BaocaoError(f"{resource['name']}: {len(data)} bytes, {resource['bytes']} declared", package_dir)
    if "hash" in resource and str(resource["hash"]).split(":")[-1] != hashlib.sha256(data).hexdigest():
        raise BaocaoError(f"{resource['name']}: sha256 differs from the hash declared in datapackage.json", package_dir)
    return Rows(table, rows, count)


class Rows:
    """A resource's rows, handed to executemany a batch at a time: as tuples of text, made from
    Arrow's columns only when they are inserted."""

    BATCH = 50_000

    def __init__(self, table: Any, rows: list[list[str]] | None, count: int):
        self.table, self.rows, self.count = table, rows, count

    def batches(self) -> Iterator[Iterable[Sequence[str]]]:
        if self.table is None:
            yield self.rows or []
            return
        for batch in self.table.to_batches(max_chunksize=self.BATCH):
            yield zip(*(column.to_pylist() for column in batch.columns), strict=True)


def _read_rows_slowly(package_dir: Path, resource: dict[str, Any], data: bytes, names: list[str]) -> list | None:
    """The csv module's reading of a file: raises the first reason it cannot be loaded, with its line;
    returns its rows (None if the header is not the schema's, which the caller says)."""
    path = package_dir / resource["path"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BaocaoError(f"not UTF-8 (invalid byte at offset {error.start})", path) from None
    csv.field_size_limit(max(csv.field_size_limit(), len(data) + 1))  # a cell may be as long as its file
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        if next(reader, None) != names:
            return None
        rows = list(reader)
    except csv.Error as error:
        raise BaocaoError(f"line {reader.line_num}: not valid CSV ({error})", path) from None
    for line, row in enumerate(rows, start=2):
        if len(row) != len(names):
            raise BaocaoError(f"{resource['path']} line {line}: {len(row)} cells, {len(names)} columns", package_dir)
    return rows
