"""Stage 5, package: tables and metadata/ become a Frictionless data package.

The Table Schemas come from metadata/resources.yaml, the package description from
metadata/package.yaml and metadata/sources.yaml. CSVs are UTF-8 without BOM, with LF
line ends, written to a temporary folder beside the target and moved into place only
when complete."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from baocao.core.errors import BaocaoError
from baocao.core.metadata import Metadata
from baocao.package.publish import check_out, publish
from baocao.reading.numbers import plain


def cell(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return ""
    if kind is int:
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, float):
        return plain(Decimal(repr(value)))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def csv_bytes(
    field_names: list[str], rows: Iterable[dict[str, Any]], resource: str, header: bool = True
) -> tuple[bytes, int]:
    """Rows as CSV (UTF-8, LF), checked against the resource's field names; with or without the header line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(field_names)
    expected = set(field_names)
    count = 0
    for row in rows:
        if row.keys() != expected:
            extra = sorted(set(row) - expected)
            missing = sorted(expected - set(row))
            raise BaocaoError(
                f"resource {resource!r}: row keys differ from metadata/resources.yaml "
                f"(extra {extra}, missing {missing})"
            )
        # strings, the most common cells, go through as they are
        writer.writerow([v if type(v) is str else cell(v) for v in map(row.__getitem__, field_names)])
        count += 1
    return buffer.getvalue().encode("utf-8"), count


def i18n(en_title: str | None, en_description: str | None = None) -> dict[str, Any]:
    en: dict[str, str] = {}
    if en_title is not None:
        en["title"] = en_title
    if en_description is not None:
        en["description"] = en_description
    return {"i18n": {"en": en}}


def field_descriptor(spec: dict[str, Any], tables: dict[str, list[dict[str, Any]]], key_of: dict[str, str]) -> dict:
    field: dict[str, Any] = {
        "name": spec["name"],
        "type": spec["type"],
        "title": spec["vi"],
        "description": spec["dvi"],
        **i18n(spec["en"], spec["den"]),
    }
    if spec["type"] == "number":
        field["bareNumber"] = True
    constraints: dict[str, Any] = {}
    if spec.get("required"):
        constraints["required"] = True
    enum = spec.get("enum")
    if isinstance(enum, dict):
        source = enum["from"]
        enum = [row[key_of[source]] for row in tables[source]]
    if enum:
        constraints["enum"] = list(enum)
    if spec.get("unique"):
        constraints["unique"] = True
    if constraints:
        field["constraints"] = constraints
    return field


def public_address(metadata: Metadata) -> str | None:
    """Where the package is published: ``base_url`` of metadata/interface.yaml, else ``homepage`` of
    metadata/package.yaml, else none (a package built for no address says none)."""
    base = (metadata.load("interface.yaml").get("base_url") or "").strip()
    return base or metadata.package.get("homepage") or None


def build_descriptor(metadata: Metadata, reports: list[dict[str, Any]]) -> dict[str, Any]:
    package = metadata.package
    starts = sorted(str(r["period_start"]) for r in reports)
    ends = sorted(str(r["period_end"]) for r in reports)
    return {
        "profile": "tabular-data-package",
        "name": package["name"],
        "title": package["title_vi"],
        "description": package["description_vi"],
        "i18n": {
            "en": {
                "title": package["title_en"],
                "description": package["description_en"],
                "keywords": package["keywords_en"],
            }
        },
        "languages": ["vi", "en"],
        "version": package["version"],
        **({"homepage": homepage} if (homepage := public_address(metadata)) else {}),
        "keywords": package["keywords_vi"],
        "licenses": [
            {"name": lic["name"], "path": lic["path"], "title": lic["title_vi"], **i18n(lic["title_en"])}
            for lic in package["licenses"]
        ],
        "licenseNote": package["licence_note_vi"],
        "contributors": package["contributors"],
        "sources": [
            {
                "title": r["title"],
                "path": f"sources/{r['source_file']}",
                **i18n(r["title_en"]),
                "publisher": r["issuer"],
                "sha256": r["sha256"],
                "bytes": r["bytes"],
                "period": {"start": str(r["period_start"]), "end": str(r["period_end"])},
            }
            for r in reports
        ],
        "spatial": {
            "name": package["spatial"]["name_vi"],
            **i18n(package["spatial"]["name_en"]),
            "country": package["spatial"]["country"],
            "provinceCode": package["spatial"]["province_code"],
        },
        "temporal": {"start": starts[0] if starts else None, "end": ends[-1] if ends else None},
        "i18nNotes": {"en": {"licenseNote": package["licence_note_en"]}},
        "resources": [],
    }


def all_specs(metadata: Metadata, extra_specs: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    specs = list(metadata.resources["resources"]) + list(extra_specs)
    names = [spec["name"] for spec in specs]
    if len(set(names)) != len(names):
        raise BaocaoError(f"a wide table's id is also the name of a resource: {sorted(names)}")
    return specs


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assemble_package(
    out: Path,
    parts: dict[str, list[bytes]],
    counts: dict[str, int],
    metadata: Metadata,
    specs: list[dict[str, Any]],
    tables: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """Join each resource's CSV parts under its header, describe them, and publish the package.

    ``tables`` needs only the reports and the code lists that enums come from.
    """
    key_of = {spec["name"]: spec["primary_key"][0] for spec in specs}
    descriptor = build_descriptor(metadata, tables["reports"])
    files = {
        f"{spec['name']}.csv": csv_bytes([f["name"] for f in spec["fields"]], [], spec["name"])[0]
        + b"".join(parts[spec["name"]])
        for spec in specs
    }
    with ThreadPoolExecutor() as pool:  # hashing lets go of the interpreter: the big files in parallel
        digests = dict(zip(files, pool.map(_sha256, files.values()), strict=True))
    for spec in specs:
        name = spec["name"]
        data = files[f"{name}.csv"]
        schema: dict[str, Any] = {
            "fields": [field_descriptor(f, tables, key_of) for f in spec["fields"]],
            "primaryKey": spec["primary_key"],
        }
        if spec.get("foreign_keys"):
            schema["foreignKeys"] = [
                {
                    "fields": fk["fields"],
                    "reference": {
                        "resource": "" if fk["resource"] == name else fk["resource"],
                        "fields": fk["reference"],
                    },
                }
                for fk in spec["foreign_keys"]
            ]
        descriptor["resources"].append(
            {
                "profile": "tabular-data-resource",
                "name": name,
                "path": f"{name}.csv",
                "title": spec["title_vi"],
                "description": spec["description_vi"],
                **i18n(spec["title_en"], spec["description_en"]),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(data),
                "hash": "sha256:" + digests[f"{name}.csv"],
                "rowCount": counts[name],
                "rows": counts[name],  # frictionless's own key, which `frictionless validate` checks
                "schema": schema,
                **({"sqlView": spec["sql"]} if spec.get("sql") else {}),
            }
        )
    files["datapackage.json"] = (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    publish(out, files, check=check_out)
    return descriptor
