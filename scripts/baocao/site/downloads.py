"""The package as downloads: zips of CSVs, JSON and Parquet, an XLSX workbook. Byte-identical from build to build."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from baocao.site.parquet import parquet_files

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def read_rows(path: Path, fields: list[dict[str, Any]]) -> list[list[Any]]:
    """Typed rows of a package CSV, by its schema."""
    kinds = [f["type"] for f in fields]
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            typed = []
            for value, kind in zip(row, kinds, strict=True):
                if value == "":
                    typed.append(None)
                elif kind == "integer":
                    typed.append(int(value))
                elif kind == "number":
                    typed.append(Decimal(value))
                else:
                    typed.append(value)
            rows.append(typed)
    return rows


def csv_zip(package_dir: Path) -> bytes:
    return _zip({p.name: p.read_bytes() for p in sorted(package_dir.iterdir()) if p.is_file()})


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value))


def json_zip(package_dir: Path) -> bytes:
    """The same package with each resource as a JSON array of objects."""
    descriptor = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))
    files: dict[str, bytes] = {}
    for resource in descriptor["resources"]:
        fields = resource["schema"]["fields"]
        names = [f["name"] for f in fields]
        rows = read_rows(package_dir / resource["path"], fields)
        data = (
            json.dumps(
                [dict(zip(names, row, strict=True)) for row in rows],
                ensure_ascii=False,
                indent=1,
                default=_json_default,
            ).encode("utf-8")
            + b"\n"
        )
        name = resource["path"].removesuffix(".csv") + ".json"
        files[name] = data
        resource.update({"path": name, "format": "json", "mediatype": "application/json"})
        # frictionless reads JSON resources as parsed rows and cannot count their bytes or hash them
        for key in ("bytes", "hash", "rowCount", "rows", "sqlView"):
            resource.pop(key, None)
    files["datapackage.json"] = (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return _zip(files)


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


EXCEL_ROWS = 1_048_576  # the most rows a worksheet holds, header included
SHEET_NAME = 31  # the most characters of a sheet's name


def sheet_name(name: str, part: int, used: set[str]) -> str:
    """A sheet name of at most 31 characters, unlike any in ``used`` (a name cut short gets a number)."""
    suffix = "" if part == 1 else f"_{part}"
    candidate = name[: SHEET_NAME - len(suffix)] + suffix
    number = 1
    while candidate.lower() in used:
        number += 1
        tail = f"{suffix}~{number}"
        candidate = name[: SHEET_NAME - len(tail)] + tail
    used.add(candidate.lower())
    return candidate


def _filter(sheet, names: list[str], rows: int) -> None:
    """An autofilter over the header and rows of a sheet."""
    if sheet is None:
        return
    from openpyxl.utils import get_column_letter

    sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{rows}"


def _bold_row(sheet, names: list[str]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    bold = Font(bold=True)
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)


def _readme(workbook, descriptor: dict, labels: dict, first_sheet: dict[str, str]) -> None:
    """The README sheet: the package and each sheet described in both languages."""
    readme = workbook.create_sheet("README")
    en = descriptor["i18n"]["en"]
    period = f"{descriptor['temporal']['start']} – {descriptor['temporal']['end']}"
    _bold_row(readme, ["", labels["vietnamese"], labels["english"]])
    licence = descriptor["licenses"][0]
    for key, vi, english in (
        ("title", descriptor["title"], en["title"]),
        ("description", descriptor["description"], en["description"]),
        ("version", descriptor["version"], descriptor["version"]),
        ("licence", licence["title"], licence["i18n"]["en"]["title"]),
        ("period", period, period),
    ):
        readme.append([labels[key], vi, english])
    readme.append([])
    _bold_row(readme, [labels["sheet"], labels["description_vi"], labels["description_en"]])
    for resource in descriptor["resources"]:
        english = resource["i18n"]["en"]
        readme.append(
            [
                first_sheet[resource["name"]],
                f"{resource['title']}: {resource['description']}",
                f"{english['title']}: {english['description']}",
            ]
        )


def _sheets(workbook, package_dir: Path, resource: dict, first: str, used: set[str]) -> None:
    """A resource's sheets (one per million rows), each with a frozen header and a filter."""
    fields = resource["schema"]["fields"]
    names = [f["name"] for f in fields]
    part, sheet, rows_in_sheet = 0, None, EXCEL_ROWS
    for row in read_rows(package_dir / resource["path"], fields):
        if rows_in_sheet >= EXCEL_ROWS:
            _filter(sheet, names, rows_in_sheet)
            part += 1
            sheet = workbook.create_sheet(first if part == 1 else sheet_name(resource["name"], part, used))
            sheet.freeze_panes = "A2"
            _bold_row(sheet, names)
            rows_in_sheet = 1
        sheet.append([neutralise(float(v) if isinstance(v, Decimal) else v) for v in row])
        rows_in_sheet += 1
    if sheet is None:
        sheet = workbook.create_sheet(first)
        sheet.freeze_panes = "A2"
        _bold_row(sheet, names)
        rows_in_sheet = 1
    _filter(sheet, names, rows_in_sheet)


def xlsx(package_dir: Path, labels: dict[str, str] | None = None) -> bytes:
    """One sheet per resource (split as name_2, name_3... past Excel's row limit) and a README sheet
    whose labels are metadata/interface.yaml's `workbook`.

    Written in openpyxl's streaming mode, so a package of a million rows fits.
    """
    import datetime as dt

    from openpyxl import Workbook

    if labels is None:
        from baocao.core.metadata import Metadata

        labels = Metadata().load("interface.yaml")["workbook"]
    descriptor = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))
    workbook = Workbook(write_only=True)
    used: set[str] = {"readme"}
    first_sheet = {r["name"]: sheet_name(r["name"], 1, used) for r in descriptor["resources"]}
    _readme(workbook, descriptor, labels, first_sheet)
    for resource in descriptor["resources"]:
        _sheets(workbook, package_dir, resource, first_sheet[resource["name"]], used)
    fixed = dt.datetime(2000, 1, 1)
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    workbook.properties.creator = "baocao"
    buffer = io.BytesIO()
    workbook.save(buffer)
    # openpyxl stamps the time into each zip entry: rewrite with fixed times
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        files = {info.filename: source.read(info) for info in source.infolist()}
    # openpyxl sets "modified" to the time of saving, whatever the workbook says
    files["docProps/core.xml"] = re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
        rb"\g<1>2000-01-01T00:00:00Z\g<2>",
        files["docProps/core.xml"],
    )
    return _zip(files)


MEDIATYPES = {
    "parquet": "application/zip",
    "csv": "application/zip",
    "json": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _size(count: int) -> str:
    return f"{count / 1024:.0f} KB" if count < 1024 * 1024 else f"{count / 1024 / 1024:.1f} MB"


def make_all(package_dir: Path, interface: dict, items: list[dict], files: dict[str, bytes]) -> list[dict]:
    """Each download of metadata/site.yaml, into ``files``; what the landing page says of each."""
    makers = {
        "baocao-csv.zip": csv_zip,
        "baocao-json.zip": json_zip,
        "baocao-parquet.zip": lambda folder: _zip(parquet_files(folder)),
        "baocao.xlsx": lambda folder: xlsx(folder, interface["workbook"]),
    }
    out = []
    for item in items:
        data = makers[item["file"]](package_dir)
        files[f"assets/downloads/{item['file']}"] = data
        out.append(
            {
                **item,
                "href": f"/assets/downloads/{item['file']}",
                "size": _size(len(data)),
                "bytes": len(data),
                "mediatype": MEDIATYPES[item["format"]],
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    return out


def source_files(package_dir: Path, descriptor: dict, reports: list[dict], files: dict[str, bytes]) -> dict[str, dict]:
    """Each report's source file, served as it was read when its sha256 still matches: {report_id: href, name}."""
    from baocao.core import paths

    out = {}
    for report in reports:
        name = Path(report.get("source_file") or "").name
        if not name:
            continue
        for folder in (paths.SOURCES, Path(package_dir).parent / "sources"):
            path = Path(folder) / name
            if path.is_file():
                data = path.read_bytes()
                if hashlib.sha256(data).hexdigest() == report["sha256"]:
                    files[f"assets/sources/{name}"] = data
                    out[report["report_id"]] = {
                        "href": f"/assets/sources/{name}",
                        "name": name,
                        "size": _size(len(data)),
                    }
                    break
    return out
