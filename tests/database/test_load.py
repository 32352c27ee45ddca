"""The load: Arrow reads each CSV as the csv module does, and a load split across processes
makes the database a load in one process makes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest

from baocao.core.errors import BaocaoError
from baocao.core.metadata import Metadata
from baocao.database.csvfiles import read_package, read_rows
from baocao.database.load import load_package
from baocao.database.loadparts import groups_of


def _kinds(resource: dict) -> list[tuple[str, str]]:
    return [(f["name"], f["type"]) for f in resource["schema"]["fields"]]


def _arrow_rows(package: Path, resource: dict) -> list[tuple[str, ...]]:
    return [tuple(row) for batch in read_rows(package, resource, _kinds(resource)).batches() for row in batch]


def _csv_rows(package: Path, resource: dict) -> list[tuple[str, ...]]:
    text = (package / resource["path"]).read_bytes().decode("utf-8")  # no newline translation
    return [tuple(row) for row in list(csv.reader(io.StringIO(text, newline="")))[1:]]


def test_arrow_reads_every_cell_of_the_package_as_the_csv_module_does(built):
    descriptor = read_package(built)
    tables = [r for r in descriptor["resources"] if "sqlView" not in r]
    assert tables
    for resource in tables:
        assert _arrow_rows(built, resource) == _csv_rows(built, resource), resource["name"]


def _package_of(folder: Path, rows: list[list[str]]) -> Path:
    """A one-resource package whose CSV is written by the csv module from ``rows``."""
    folder.mkdir()
    fields = [("id", "string"), ("text", "string"), ("count", "integer"), ("share", "number"), ("flag", "boolean")]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([name for name, _ in fields])
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    (folder / "things.csv").write_bytes(data)
    resource = {
        "name": "things",
        "path": "things.csv",
        "rowCount": len(rows),
        "bytes": len(data),
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        "schema": {"fields": [{"name": n, "type": t} for n, t in fields], "primaryKey": ["id"]},
    }
    (folder / "datapackage.json").write_text(json.dumps({"resources": [resource]}), encoding="utf-8")
    return folder


TRICKY = [
    ["a", 'quoted "words", a comma', "1", "2.5", "true"],
    ["b", "two\nlines and\r\na carriage return", "", "", ""],
    ["c", "", "-3", "1e3", "false"],
    ["d", " spaces kept ", "0", "-0.25", "true"],
    ["e", "Chợ Đồn — ₫ 😀", "12", "7", "false"],
]


def test_arrow_reads_quotes_newlines_empty_cells_and_unicode_as_the_csv_module_does(tmp_path):
    package = _package_of(tmp_path / "pkg", TRICKY)
    [resource] = read_package(package)["resources"]
    assert _arrow_rows(package, resource) == _csv_rows(package, resource) == [tuple(row) for row in TRICKY]


def test_loaded_cells_are_typed_by_the_schema_and_empty_is_null(tmp_path):
    package = _package_of(tmp_path / "pkg", TRICKY)
    db = tmp_path / "db" / "baocao.db"
    load_package(package, db, metadata=Metadata())
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT id, text, count, share, flag FROM things ORDER BY id").fetchall()
    expected = [
        (
            r[0],
            r[1] or None,
            int(r[2]) if r[2] else None,
            float(r[3]) if r[3] else None,
            {"true": 1, "false": 0}.get(r[4]),
        )
        for r in TRICKY
    ]
    assert rows == expected


def _database(db: Path) -> dict[str, object]:
    """Everything a reader of ``db`` sees: the schema, every table's and view's rows in order, the counts."""
    with sqlite3.connect(db) as connection:
        schema = sorted(connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall())
        contents = {}
        for kind, name, _, _ in schema:
            if kind == "table" and not name.startswith("sqlite_") and "_fts" not in name:
                contents[name] = connection.execute(f"SELECT rowid, * FROM [{name}] ORDER BY rowid").fetchall()
            elif kind == "view":
                contents[name] = sorted(connection.execute(f"SELECT * FROM [{name}]").fetchall(), key=repr)
    return {"schema": schema, "contents": contents}


def _search(db: Path, search: dict[str, list[str]], words: list[str]) -> dict[tuple[str, str], list[int]]:
    with sqlite3.connect(db) as connection:
        for table in search:  # FTS5's own check of its index
            connection.execute(f"INSERT INTO [{table}_fts] ([{table}_fts]) VALUES ('integrity-check')")
        return {
            (table, word): [
                r[0]
                for r in connection.execute(
                    f"SELECT rowid FROM [{table}_fts] WHERE [{table}_fts] MATCH ? ORDER BY bm25([{table}_fts]), rowid",
                    (word,),
                )
            ]
            for table in search
            for word in words
        }


def test_a_load_split_across_processes_makes_the_database_one_process_makes(built, tmp_path):
    metadata = Metadata()
    descriptor = read_package(built)
    tables = [r for r in descriptor["resources"] if "sqlView" not in r]
    groups = groups_of(built, tables, metadata.site["search"], 2)
    assert len(groups) == 2 and groups[1], "a second process has tables to load"
    one, two = tmp_path / "one" / "baocao.db", tmp_path / "two" / "baocao.db"
    counts_one = load_package(built, one, metadata=metadata, parts=1)
    counts_two = load_package(built, two, metadata=metadata, parts=2)
    assert counts_one == counts_two
    assert _database(one) == _database(two)
    words = ["giai ngan", '"cho don"', "tang truong", "ngan sach"]
    found = _search(one, metadata.site["search"], words)
    assert any(found.values())
    assert _search(two, metadata.site["search"], words) == found
    inspect = [json.loads(db.with_name("inspect.json").read_text())["baocao"]["tables"] for db in (one, two)]
    assert inspect[0] == inspect[1]
    assert sorted(p.name for p in two.parent.iterdir()) == ["baocao.db", "inspect.json"]


def test_a_table_refused_in_the_second_process_is_refused_in_one_line_and_nothing_is_left(copy_of_package, tmp_path):
    metadata = Metadata()
    descriptor = read_package(copy_of_package)
    tables = [r for r in descriptor["resources"] if "sqlView" not in r]
    groups = groups_of(copy_of_package, tables, metadata.site["search"], 2)
    resource = next(r for r in groups[1] if any(f["type"] == "integer" for f in r["schema"]["fields"]))
    column = next(n for n, (f) in enumerate(resource["schema"]["fields"]) if f["type"] == "integer")
    path = copy_of_package / resource["path"]
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[1][column] = "abc"
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes(data)
    for declared in descriptor["resources"]:
        if declared["name"] == resource["name"]:
            declared["bytes"], declared["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    (copy_of_package / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "db" / "baocao.db"
    name = resource["schema"]["fields"][column]["name"]
    with pytest.raises(BaocaoError, match=f"{resource['path']}: {name}: 'abc' is not an integer") as refused:
        load_package(copy_of_package, db, metadata=metadata, parts=2)
    assert "\n" not in str(refused.value)
    assert list(db.parent.iterdir()) == []


def test_plain_datasette_on_the_database_finds_words_with_and_without_their_marks(built, tmp_path):
    """The downloaded database, served by Datasette with none of the site's metadata or plugins."""
    import subprocess
    import sys
    import urllib.parse
    import urllib.request

    from conftest import free_port, wait_until_served

    db = tmp_path / "baocao.db"
    load_package(built, db, metadata=Metadata())
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(db), "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_served(base + "/-/versions.json", process)
        found = {}
        for words in ("Chợ Đồn", "cho don", "CHỢ ĐỒN"):
            query = urllib.parse.urlencode({"_search": words, "_shape": "array", "_col": "quote", "_size": "max"})
            with urllib.request.urlopen(f"{base}/baocao/mentions.json?{query}", timeout=30) as response:
                rows = json.load(response)
            found[words] = {r["quote"] for r in rows}
        assert found["Chợ Đồn"] == found["cho don"] == found["CHỢ ĐỒN"]
        everything = {q for (q,) in sqlite3.connect(db).execute("SELECT quote FROM mentions")}
        named = {q for q in everything if "chợ đồn" in q.lower()}
        # searched, not listed: every sentence naming the place, and not every sentence
        assert named and named <= found["cho don"] and len(found["cho don"]) < len(everything)
    finally:
        process.terminate()
        process.wait(timeout=10)
    connection = sqlite3.connect(db)  # and in plain SQLite
    rows = connection.execute(
        "SELECT quote FROM mentions WHERE rowid IN "
        "(SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH '\"cho don\"')"
    ).fetchall()
    assert rows and all("chợ đồn" in quote.lower() for (quote,) in rows)
