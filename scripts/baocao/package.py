"""Stage 5, package: tables and metadata/ become a Frictionless data package.

The Table Schemas come from metadata/resources.yaml, the package description from
metadata/package.yaml and metadata/sources.yaml. CSVs are UTF-8 without BOM,
with LF line ends; the output is written to a temporary folder beside the target
and moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from baocao.errors import BaocaoError, fault_point
from baocao.metadata import Metadata
from baocao.numbers import plain


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
        "homepage": package["homepage"],
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
    files: dict[str, bytes] = {}
    for spec in specs:
        name = spec["name"]
        field_names = [f["name"] for f in spec["fields"]]
        data = csv_bytes(field_names, [], name)[0] + b"".join(parts[name])
        files[f"{name}.csv"] = data
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
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "rowCount": counts[name],
                "schema": schema,
                **({"sqlView": spec["sql"]} if spec.get("sql") else {}),
            }
        )
    files["datapackage.json"] = (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    publish(out, files, check=check_out)
    return descriptor


# the largest descriptor and resource file the readers (validate, load) take: far above what a build writes
MAX_DESCRIPTOR_BYTES = 64 * 1024 * 1024
MAX_RESOURCE_BYTES = 4 * 1024 * 1024 * 1024


@contextlib.contextmanager
def _publish_lock(out: Path) -> Iterator[None]:
    """An exclusive lock on the folder that holds ``out``, held while a package is swapped or recovered.

    flock() is released by the kernel when its holder dies, so a killed build never
    leaves it taken; while it is held, no live publish is under way, and whatever a
    publish left beside ``out`` is left over from one that was killed.
    """
    handle = os.open(out.parent, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def recover(out: Path) -> None:
    """Undo what an interrupted publish() left: a missing target with its previous copy beside it, staging folders.

    Every command that reads a package calls this first (through :func:`recover_before_read`),
    so a build killed between the two renames of its swap never leaves readers without a package.
    """
    out = Path(out).resolve()
    if not out.parent.is_dir():
        return
    with _publish_lock(out):
        _recover(out)


def _recover(out: Path) -> None:
    previous = out.with_name(f".{out.name}.old")
    if previous.exists() and not out.exists():
        os.replace(previous, out)
    elif previous.exists():
        shutil.rmtree(previous, ignore_errors=True)
    for staging in _left_beside(out):
        if staging.name.endswith(".tmp"):
            shutil.rmtree(staging, ignore_errors=True)


def _left_beside(out: Path) -> list[Path]:
    """What publishes of ``out`` put beside it: ``.<name>.old`` and the ``.<name>.*.tmp`` staging folders."""
    prefix = f".{out.name}."
    return [out.parent / name for name in os.listdir(out.parent) if name.startswith(prefix)]


def recover_before_read(package: Path) -> None:
    """Put back a package whose publish was killed mid-swap, before reading it (``package``: folder or descriptor).

    Only what a killed publish left is touched; a reader that may not write there
    (the server's user) reads on if there is nothing to recover.
    """
    package = Path(package)
    folder = package.parent if package.name == "datapackage.json" and not package.is_dir() else package
    folder = folder.resolve()
    if folder.exists() and not (folder.parent.is_dir() and _left_beside(folder)):
        return  # the usual case: nothing to recover, and no lock to wait for
    try:
        recover(folder)
    except OSError as error:
        if not folder.exists():
            raise BaocaoError(
                f"a build was interrupted and the package cannot be put back ({error.strerror})", folder
            ) from None


def check_out(out: Path) -> None:
    """Refuse an ``--out`` that a publish would destroy: it must be missing, empty, or a package a build wrote.

    A baocao package is a folder holding a datapackage.json of profile
    ``tabular-data-package`` and only the files that descriptor names.
    """
    out = Path(out).resolve()
    if out == out.parent:
        raise BaocaoError("--out cannot be the root folder", out)
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir():
        raise BaocaoError("--out is a file, not a folder", out)
    names = {entry.name for entry in out.iterdir()}
    if not names:
        return
    refusal = "--out must be an empty folder or a data package written by baocao; "
    descriptor_path = out / "datapackage.json"
    try:
        descriptor = json.loads(descriptor_path.read_bytes()) if descriptor_path.is_file() else None
    except (OSError, ValueError):
        descriptor = None
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if (
        not isinstance(descriptor, dict)
        or descriptor.get("profile") != "tabular-data-package"
        or not isinstance(resources, list)
        or not all(isinstance(r, dict) and isinstance(r.get("path"), str) for r in resources)
    ):
        raise BaocaoError(
            refusal + f"it holds {len(names)} file(s) and no baocao datapackage.json, and a build replaces it whole",
            out,
        )
    written = {"datapackage.json"} | {r["path"].split("/")[0] for r in resources}
    others = sorted(names - written)
    if others:
        raise BaocaoError(
            refusal + f"this package folder also holds {len(others)} file(s) a build does not write, "
            f"such as {others[0]!r}",
            out,
        )


def check_site_out(out: Path) -> None:
    """Refuse a site ``--out`` that a publish would destroy: it must be missing, empty, or a site baocao wrote.

    A baocao site is a folder holding the ``site.json`` (landing page and Datasette
    metadata) and ``datasette-metadata.json`` that every ``baocao site`` writes.
    """
    out = Path(out).resolve()
    if out == out.parent:
        raise BaocaoError("--out cannot be the root folder", out)
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir():
        raise BaocaoError("--out is a file, not a folder", out)
    names = {entry.name for entry in out.iterdir()}
    if not names:
        return
    try:
        site = json.loads((out / "site.json").read_bytes()) if (out / "site.json").is_file() else None
    except (OSError, ValueError):
        site = None
    if not (isinstance(site, dict) and {"landing", "metadata"} <= set(site) and "datasette-metadata.json" in names):
        raise BaocaoError(
            f"--out must be an empty folder or a site written by baocao; it holds {len(names)} file(s) and no "
            "baocao site.json, and a site build replaces it whole",
            out,
        )


def publish(out: Path, files: dict[str, bytes], check: Callable[[Path], None] | None = None) -> None:
    """Write ``files`` into a fresh folder and swap it in for ``out`` only when all are written.

    A build killed at any point leaves either the previous ``out`` or the new one, or, killed
    between the two renames of the swap, the previous one beside it as ``.<out>.old``, which
    the next command that reads or writes it puts back (see recover()). ``check(out)``, if
    given, runs just before the swap, under the lock: check_out() for a data package.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with _publish_lock(out):
        _recover(out)
        if check is not None:
            check(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
        try:
            for name, data in files.items():
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                with open(staging / name, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            os.chmod(staging, 0o755)
            previous = None
            if out.exists():
                previous = out.with_name(f".{out.name}.old")
                os.replace(out, previous)
                fault_point("publish:after-first-rename")
            os.replace(staging, out)
            fault_point("publish:after-second-rename")
            if previous is not None:
                shutil.rmtree(previous)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
