"""Stage 8, serve: Datasette, read-only, on the database built by `baocao load`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from baocao import paths
from baocao.errors import BaocaoError
from baocao.load import read_package

SETTINGS = {
    "sql_time_limit_ms": 1000,
    "max_returned_rows": 1000,
    "suggest_facets": "off",
    "allow_facet": "on",
    "default_page_size": 100,
    "max_csv_mb": 50,
}


def datasette_metadata(package_dir: Path, db_name: str) -> dict[str, Any]:
    """Datasette metadata generated from the data package (itself generated from metadata/)."""
    package = read_package(package_dir)
    en = package["i18n"]["en"]
    licence = package["licenses"][0]
    tables = {}
    for resource in package["resources"]:
        tables[resource["name"]] = {
            "title": f"{resource['title']} · {resource['i18n']['en']['title']}",
            "description": f"{resource['description']}\n\n{resource['i18n']['en']['description']}",
            "columns": {
                f["name"]: f"{f['description']} / {f['i18n']['en']['description']}"
                for f in resource["schema"]["fields"]
            },
        }
    source = package["sources"][0] if package["sources"] else {}
    return {
        "title": f"{package['title']} · {en['title']}",
        "description": f"{package['description']}\n\n{en['description']}",
        "license": licence["name"],
        "license_url": licence["path"],
        "source": source.get("publisher", ""),
        "databases": {db_name: {"tables": tables}},
    }


def serve_command(db: Path, host: str, port: int, metadata_file: Path, inspect_file: Path) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        "-i",
        str(db),
        "--inspect-file",
        str(inspect_file),
        "--metadata",
        str(metadata_file),
        "--host",
        host,
        "--port",
        str(port),
    ]
    for name, value in SETTINGS.items():
        command += ["--setting", name, str(value)]
    return command


def serve(
    db: Path = paths.DATABASE, host: str = "127.0.0.1", port: int = 8001, package_dir: Path = paths.DATAPACKAGE
) -> None:
    db = Path(db)
    if not db.exists():
        raise BaocaoError("no database; run `make build` (or `baocao load`) first", db)
    inspect_file = db.with_name("inspect.json")
    if not inspect_file.exists():
        raise BaocaoError("no inspect file; run `baocao load` first", inspect_file)
    metadata_file = db.with_name("datasette-metadata.json")
    metadata_file.write_text(
        json.dumps(datasette_metadata(package_dir, db.stem), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    command = serve_command(db, host, port, metadata_file, inspect_file)
    print(f"baocao: serving {db.name} read-only on http://{host}:{port}/", flush=True)
    os.execv(command[0], command)
