"""The site: Datasette metadata in both languages, the landing page's data, charts and downloads.

Everything is generated from the data package and metadata/ into build/site/ by
`baocao site` (part of `make build`); the Datasette plugin in plugins/ reads it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from datasette.utils import tilde_encode

from baocao import paths
from baocao.errors import BaocaoError
from baocao.load import read_package
from baocao.metadata import Metadata
from baocao.numbers import format_vi
from baocao.package import publish
from baocao.site import charts, downloads
from baocao.site.downloads import read_rows

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
PLUGINS = HERE / "plugins"
STATIC = HERE / "static"


def _rows(package_dir: Path, descriptor: dict, name: str) -> list[dict[str, Any]]:
    resource = next(r for r in descriptor["resources"] if r["name"] == name)
    names = [f["name"] for f in resource["schema"]["fields"]]
    return [
        dict(zip(names, row, strict=True))
        for row in read_rows(package_dir / resource["path"], resource["schema"]["fields"])
    ]


def _size(count: int) -> str:
    return f"{count / 1024:.0f} KB" if count < 1024 * 1024 else f"{count / 1024 / 1024:.1f} MB"


def datasette_metadata(descriptor: dict, metadata: Metadata, lang: str) -> dict[str, Any]:
    """Titles, descriptions and canned queries in one language, keyed by the served database."""
    site = metadata.site

    def pick(obj: dict, key: str) -> str:
        return obj["i18n"]["en"][key] if lang == "en" else obj[key]

    tables = {}
    for resource in descriptor["resources"]:
        tables[resource["name"]] = {
            "title": pick(resource, "title"),
            "description": pick(resource, "description"),
            "columns": {
                f["name"]: f"{pick(f, 'title')}: {pick(f, 'description')}" for f in resource["schema"]["fields"]
            },
        }
    queries = {
        name: {"title": query[f"title_{lang}"], "description": query[f"description_{lang}"], "sql": query["sql"]}
        for name, query in site["queries"].items()
    }
    return {
        "title": pick(descriptor, "title"),
        "description": pick(descriptor, "description"),
        "databases": {
            site["database"]: {
                "title": pick(descriptor, "title"),
                "description": pick(descriptor, "description"),
                "tables": tables,
                "queries": queries,
            }
        },
    }


def local_metadata(descriptor: dict, metadata: Metadata, site_file: Path) -> dict[str, Any]:
    """The language-neutral part: licence, source, facets, search, labels, sort orders."""
    site = metadata.site
    tables: dict[str, dict[str, Any]] = {}
    for name, config in site["tables"].items():
        entry: dict[str, Any] = {}
        if "facets" in config:
            entry["facets"] = config["facets"]
        if "label_column" in config:
            entry["label_column"] = config["label_column"]
        if "sort" in config:
            entry["sort"] = config["sort"]
        tables[name] = entry
    for name in site["search"]:
        tables.setdefault(name, {}).update({"fts_table": f"{name}_fts", "fts_pk": "rowid"})
    licence = descriptor["licenses"][0]
    return {
        "license": licence["name"],
        "license_url": licence["path"],
        "source": descriptor["sources"][0]["publisher"] if descriptor["sources"] else "",
        "source_url": "/" + site["database"] + "/reports",
        "databases": {site["database"]: {"tables": tables}},
        "plugins": {"baocao-site": {"site_file": str(site_file)}},
    }


def _observation_index(observations: list[dict]) -> dict[tuple[str, str], dict]:
    return {(o["indicator_id"], o["measure"]): o for o in observations}


def _label(value: Decimal, lang: str) -> str:
    value = Decimal(value).normalize()
    text = format(value, "f")
    return format_vi(Decimal(text)) if lang == "vi" else f"{Decimal(text):,f}"


def build_site(
    package_dir: Path = paths.DATAPACKAGE,
    out: Path = paths.BUILD / "site",
    metadata: Metadata | None = None,
    with_downloads: bool = True,
) -> dict[str, Any]:
    metadata = metadata or Metadata()
    site = metadata.site
    database = site["database"]
    descriptor = read_package(package_dir)
    observations = _rows(package_dir, descriptor, "observations")
    indicators = {r["indicator_id"]: r for r in _rows(package_dir, descriptor, "indicators")}
    units = {r["unit_id"]: r for r in _rows(package_dir, descriptor, "units")}
    topics = _rows(package_dir, descriptor, "topics")
    reports = _rows(package_dir, descriptor, "reports")
    # key figures and charts are of the first report (the only one, in the usual build); the
    # other reports meet it side by side in the comparison table
    primary = reports[0]["report_id"] if reports else None
    primary_observations = [o for o in observations if o["report_id"] == primary]
    by_key = _observation_index(primary_observations)
    measure_names = {r["measure_id"]: r for r in _rows(package_dir, descriptor, "measures")}
    files: dict[str, bytes] = {}

    def obs_href(obs: dict) -> str:
        return f"/{database}/observations/{tilde_encode(obs['obs_id'])}"

    key_figures = []
    for ref in site["key_figures"]:
        indicator_id, _, measure = ref.partition(".")
        obs = by_key.get((indicator_id, measure or "value"))
        if obs is None:
            raise BaocaoError(f"key figure {ref!r} is not an observation", "metadata/site.yaml")
        indicator, unit = indicators[indicator_id], units[obs["unit_id"]]
        key_figures.append(
            {
                "value_vi": _label(obs["signed_value"], "vi"),
                "value_en": _label(obs["signed_value"], "en"),
                "unit_vi": unit["name_vi"] if measure in ("value", "") else measure_names[measure]["name_vi"],
                "unit_en": unit["name_en"] if measure in ("value", "") else measure_names[measure]["name_en"],
                "name_vi": indicator["name_vi"],
                "name_en": indicator["name_en"],
                "quote": obs["quote"],
                "href": obs_href(obs),
            }
        )

    chart_entries = []
    for chart in site["charts"]:
        for lang in ("vi", "en"):
            title = chart[f"title_{lang}"]
            if chart["kind"] == "bars":
                if "indicators" in chart:
                    chosen = [
                        by_key[(i, chart["measure"])] for i in chart["indicators"] if (i, chart["measure"]) in by_key
                    ]
                else:
                    chosen = [o for o in primary_observations if o["measure"] == chart["measure"]]
                if chart.get("sort") == "descending":
                    chosen.sort(key=lambda o: -o["signed_value"])
                rows = [(indicators[o["indicator_id"]][f"name_{lang}"], [o["signed_value"]]) for o in chosen]
                series = [chart[f"title_{lang}"]]
                reference = Decimal(str(chart["reference"])) if "reference" in chart else None
            else:
                measures = chart["measures"]
                ids = [
                    i
                    for i, ind in indicators.items()
                    if ind["topic_id"] == chart["topic"] and all((i, m) in by_key for m in measures)
                ]
                rows = []
                for i in ids:
                    values = []
                    for m in measures:
                        o = by_key[(i, m)]
                        factor = Decimal(str(units[o["unit_id"]]["multiplier"])) / Decimal(
                            str(units[indicators[i]["unit_id"]]["multiplier"])
                        )
                        values.append(o["signed_value"] * factor)
                    rows.append((indicators[i][f"name_{lang}"], values))
                series = [measure_names[m][f"name_{lang}"] for m in measures]
                reference = None
            if not rows:
                raise BaocaoError(f"chart {chart['id']!r} has no data", "metadata/site.yaml")
            svg, width, height = charts.bar_chart(title, rows, series, lang, reference)
            files[f"assets/charts/{chart['id']}.{lang}.svg"] = svg.encode("utf-8")
        href = (
            f"/{database}/{chart['table']}"
            if "table" in chart
            else (
                f"/{database}/observations?measure={chart['measure']}&report_id={primary}"
                if "measure" in chart
                else f"/{database}/observations?topic_id={chart['topic']}&report_id={primary}"
            )
        )
        chart_entries.append(
            {
                "id": chart["id"],
                "title_vi": chart["title_vi"],
                "title_en": chart["title_en"],
                "src_vi": f"/assets/charts/{chart['id']}.vi.svg",
                "src_en": f"/assets/charts/{chart['id']}.en.svg",
                "width": width,
                "height": height,
                "href": href,
            }
        )

    makers = {"baocao-csv.zip": downloads.csv_zip, "baocao-json.zip": downloads.json_zip, "baocao.xlsx": downloads.xlsx}
    download_entries = []
    for item in site["downloads"] if with_downloads else []:
        data = makers[item["file"]](package_dir)
        files[f"assets/downloads/{item['file']}"] = data
        download_entries.append(
            {**item, "href": f"/assets/downloads/{item['file']}", "size": _size(len(data)), "bytes": len(data)}
        )
    files["assets/baocao.css"] = (STATIC / "baocao.css").read_bytes()

    compare = compare_reports(
        site.get("compare", []), observations, indicators, units, measure_names, reports, database
    )
    if compare:
        first = compare["rows"][0]
        for lang in ("vi", "en"):
            bars = [
                (f"{column['province']} {column['label_' + lang]}", [value])
                for column, value in zip(compare["columns"], first["raw"], strict=True)
                if value is not None
            ]
            svg, width, height = charts.bar_chart(first["label_" + lang], bars, [first["label_" + lang]], lang)
            files[f"assets/charts/across_reports.{lang}.svg"] = svg.encode("utf-8")
        chart_entries.append(
            {
                "id": "across_reports",
                "title_vi": first["label_vi"],
                "title_en": first["label_en"],
                "src_vi": "/assets/charts/across_reports.vi.svg",
                "src_en": "/assets/charts/across_reports.en.svg",
                "width": width,
                "height": height,
                "href": first["href"],
            }
        )
        for row in compare["rows"]:
            del row["raw"]  # Decimal values: the landing page shows the labelled cells

    counts: dict[str, int] = {}
    for o in observations:
        counts[o["topic_id"]] = counts.get(o["topic_id"], 0) + 1
    en = descriptor["i18n"]["en"]
    package = metadata.package
    core = {r["name"] for r in metadata.resources["resources"]}
    landing = {
        "database": database,
        "title_vi": descriptor["title"],
        "title_en": en["title"],
        "description_vi": descriptor["description"],
        "description_en": en["description"],
        "note_vi": reports[0]["note"] if reports else "",
        "note_en": reports[0]["note_en"] if reports else "",
        "licence": descriptor["licenses"][0]["name"],
        "licence_url": descriptor["licenses"][0]["path"],
        "licence_note_vi": package["licence_note_vi"],
        "licence_note_en": package["licence_note_en"],
        "key_figures": key_figures,
        "compare": compare,
        "charts": chart_entries,
        "downloads": download_entries,
        "tables": [
            {
                "title_vi": r["title"],
                "title_en": r["i18n"]["en"]["title"],
                "description_vi": r["description"],
                "description_en": r["i18n"]["en"]["description"],
                "href": f"/{database}/{r['name']}",
            }
            for r in descriptor["resources"]
            if r["name"] not in core
        ],
        "resources": [
            {
                "title_vi": r["title"],
                "title_en": r["i18n"]["en"]["title"],
                "description_vi": r["description"],
                "description_en": r["i18n"]["en"]["description"],
                "rows": r["rowCount"],
                "href": f"/{database}/{r['name']}",
            }
            for r in descriptor["resources"]
            if r["name"] in core
        ],
        "topics": [
            {
                "name_vi": t["name_vi"],
                "name_en": t["name_en"],
                "observations": counts.get(t["topic_id"], 0),
                "href": f"/{database}/observations?topic_id={t['topic_id']}",
            }
            for t in topics
            if counts.get(t["topic_id"])
        ],
        "reports": [
            {
                "title_vi": r["title"],
                "title_en": r["title_en"],
                "issuer_vi": r["issuer"],
                "issuer_en": r["issuer_en"],
                "period_start": r["period_start"],
                "period_end": r["period_end"],
                "sha256": r["sha256"],
            }
            for r in reports
        ],
    }
    landing["jsonld"] = json.dumps(jsonld(descriptor, landing, package), ensure_ascii=False, indent=1).replace(
        "</", "<\\/"
    )
    site_json = {
        "landing": landing,
        "metadata": {lang: datasette_metadata(descriptor, metadata, lang) for lang in ("vi", "en")},
    }
    out = Path(out)
    site_file = out / "site.json"
    files["site.json"] = (json.dumps(site_json, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    files["datasette-metadata.json"] = (
        json.dumps(local_metadata(descriptor, metadata, site_file.resolve()), ensure_ascii=False, indent=1) + "\n"
    ).encode("utf-8")
    publish(out, files)
    return landing


def jsonld(descriptor: dict, landing: dict, package: dict) -> dict[str, Any]:
    en = descriptor["i18n"]["en"]
    base = package["homepage"].rstrip("/")
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": [{"@language": "vi", "@value": descriptor["title"]}, {"@language": "en", "@value": en["title"]}],
        "description": [
            {"@language": "vi", "@value": descriptor["description"]},
            {"@language": "en", "@value": en["description"]},
        ],
        "inLanguage": ["vi", "en"],
        "version": descriptor["version"],
        "url": base + "/",
        "keywords": descriptor["keywords"] + en["keywords"],
        "license": descriptor["licenses"][0]["path"],
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": "baocao"},
        "sourceOrganization": {
            "@type": "GovernmentOrganization",
            "name": [{"@language": "vi", "@value": r["issuer_vi"]} for r in landing["reports"]]
            + [{"@language": "en", "@value": r["issuer_en"]} for r in landing["reports"]],
        },
        "spatialCoverage": {
            "@type": "Place",
            "name": [
                {"@language": "vi", "@value": descriptor["spatial"]["name"]},
                {"@language": "en", "@value": descriptor["spatial"]["i18n"]["en"]["title"]},
            ],
            "address": {"@type": "PostalAddress", "addressRegion": "Bắc Kạn", "addressCountry": "VN"},
        },
        "temporalCoverage": f"{descriptor['temporal']['start']}/{descriptor['temporal']['end']}",
        "distribution": [
            {
                "@type": "DataDownload",
                "name": [{"@language": "vi", "@value": d["title_vi"]}, {"@language": "en", "@value": d["title_en"]}],
                "encodingFormat": {
                    "csv": "application/zip",
                    "json": "application/zip",
                    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                }[d["format"]],
                "contentUrl": base + d["href"],
                "contentSize": f"{d['bytes']} B",
            }
            for d in landing["downloads"]
        ],
    }


def compare_reports(
    refs: list[str],
    observations: list[dict],
    indicators: dict,
    units: dict,
    measure_names: dict,
    reports: list[dict],
    database: str,
) -> dict[str, Any] | None:
    """Figures side by side, one column per report in period order, when there are several reports."""
    if len(reports) < 2:
        return None
    ordered = sorted(reports, key=lambda r: (r["period_end"], r["period_start"], r["report_id"]))
    by_key = {(o["report_id"], o["indicator_id"], o["measure"]): o for o in observations}
    columns = [
        {
            "report_id": r["report_id"],
            "province": r["province"],
            "label_vi": f"{r['period_start']} – {r['period_end']}",
            "label_en": f"{r['period_start']} to {r['period_end']}",
        }
        for r in ordered
    ]
    rows = []
    for ref in refs:
        indicator_id, _, measure = ref.partition(".")
        measure = measure or "value"
        cells = [by_key.get((r["report_id"], indicator_id, measure)) for r in ordered]
        if sum(c is not None for c in cells) < 2 or indicator_id not in indicators:
            continue
        indicator = indicators[indicator_id]
        suffix_vi = "" if measure == "value" else f" — {measure_names[measure]['name_vi']}"
        suffix_en = "" if measure == "value" else f" — {measure_names[measure]['name_en']}"
        target = units[indicator["unit_id"]] if measure_names[measure]["default_unit"] == "indicator" else None
        raw = []
        for cell in cells:
            if cell is None:
                raw.append(None)
                continue
            value = cell["signed_value"]
            if target is not None:
                value = value * Decimal(str(units[cell["unit_id"]]["multiplier"])) / Decimal(str(target["multiplier"]))
            raw.append(value)
        unit = target or units["percent"]
        rows.append(
            {
                "indicator_id": indicator_id,
                "measure": measure,
                "label_vi": f"{indicator['name_vi']}{suffix_vi} ({unit['name_vi']})",
                "label_en": f"{indicator['name_en']}{suffix_en} ({unit['name_en']})",
                "cells_vi": ["" if v is None else _label(v, "vi") for v in raw],
                "cells_en": ["" if v is None else _label(v, "en") for v in raw],
                "href": f"/{database}/across_reports?indicator={indicator_id}",
                "raw": raw,
            }
        )
    if not rows:
        return None
    return {"columns": columns, "rows": rows}
