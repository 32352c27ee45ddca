"""The site: Datasette metadata in both languages, the landing page's data, charts and downloads.

Everything is generated from the data package and metadata/ into build/site/ by
`baocao site` (part of `make build`); the Datasette plugin in plugins/ reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from baocao.core import paths
from baocao.core.metadata import Metadata
from baocao.database.csvfiles import read_package
from baocao.package.publish import check_site_out, publish
from baocao.site import downloads, meta
from baocao.site.chartset import across_reports_chart, chart_entries
from baocao.site.downloads import read_rows
from baocao.site.figures import compare_reports, failed_checks, key_figures, label
from baocao.site.landing import jsonld, landing_page

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
PLUGINS = HERE / "plugins"
STATIC = HERE / "static"
BASE = "__BASE__"  # the site's public address, put in by the plugin when it serves a page


@dataclass
class SiteData:
    """The package's rows the site is made from; key figures and charts are of the first report."""

    observations: list[dict]
    indicators: dict[str, dict]
    units: dict[str, dict]
    measures: dict[str, dict]
    topics: list[dict]
    reports: list[dict]
    checks: list[dict]
    interface: dict = field(default_factory=dict)  # metadata/interface.yaml
    primary: str | None = None
    primary_observations: list[dict] = field(default_factory=list)
    by_key: dict[tuple[str, str], dict] = field(default_factory=dict)

    @classmethod
    def read(cls, package_dir: Path, descriptor: dict) -> SiteData:
        def rows(name: str) -> list[dict[str, Any]]:
            resource = next(r for r in descriptor["resources"] if r["name"] == name)
            names = [f["name"] for f in resource["schema"]["fields"]]
            fields = resource["schema"]["fields"]
            return [dict(zip(names, row, strict=True)) for row in read_rows(package_dir / resource["path"], fields)]

        data = cls(
            observations=rows("observations"),
            indicators={r["indicator_id"]: r for r in rows("indicators")},
            units={r["unit_id"]: r for r in rows("units")},
            measures={r["measure_id"]: r for r in rows("measures")},
            topics=rows("topics"),
            reports=rows("reports"),
            checks=rows("checks"),
        )
        data.primary = data.reports[0]["report_id"] if data.reports else None
        data.primary_observations = [o for o in data.observations if o["report_id"] == data.primary]
        data.by_key = {(o["indicator_id"], o["measure"]): o for o in data.primary_observations}
        return data


def build_site(
    package_dir: Path = paths.DATAPACKAGE,
    out: Path = paths.BUILD / "site",
    metadata: Metadata | None = None,
    with_downloads: bool = True,
) -> dict[str, Any]:
    metadata = metadata or Metadata()
    site, interface = metadata.site, metadata.load("interface.yaml")
    database = site["database"]
    descriptor = read_package(package_dir)
    data = SiteData.read(package_dir, descriptor)
    data.interface = interface
    files: dict[str, bytes] = {"assets/baocao.css": (STATIC / "baocao.css").read_bytes()}
    source = {lang: _source_line(data, lang, interface) for lang in ("vi", "en")}
    compare = compare_reports(site.get("compare", []), data, database)
    omitted: list[str] = []  # charts and key figures the project's reports give no data for
    charts = chart_entries(site, data, source, files, omitted)
    if compare:
        charts.append(across_reports_chart(compare, source, files))
        for row in compare["rows"]:
            del row["raw"]  # Decimal values: the landing page shows the labelled cells
    items = downloads.make_all(package_dir, interface, site["downloads"], files) if with_downloads else []
    parts = {
        "key_figures": key_figures(site["key_figures"], data, database, omitted),
        "contradictions": failed_checks(data.checks, {o["obs_id"]: o for o in data.observations}, database),
        "compare": compare,
        "charts": charts,
        "downloads": items,
        "sources": downloads.source_files(package_dir, descriptor, data.reports, files),
    }
    landing = landing_page(descriptor, metadata, data, parts)
    landing["jsonld"] = jsonld(descriptor, landing, BASE)
    issuers = {
        lang: "; ".join(dict.fromkeys(r["issuer" if lang == "vi" else "issuer_en"] for r in data.reports))
        for lang in ("vi", "en")
    }
    site_json = {
        "landing": landing,
        "metadata": {lang: meta.datasette_metadata(descriptor, metadata, lang, issuers[lang]) for lang in meta.LANGS},
        "columns": meta.columns(descriptor),
        "cells": meta.cells(descriptor, metadata, interface),
        "vietnamese_labels": meta.vietnamese_labels(metadata),
        "ui": interface["ui"],
        "errors": {str(status): titles for status, titles in interface["errors"].items()},
        "base_url": interface.get("base_url") or "",
        "units": {u: {"vi": r["name_vi"], "en": r["name_en"]} for u, r in data.units.items()},
        "short_labels": {"reports": {r["report_id"]: _report_label(r, interface) for r in data.reports}},
    }
    out = Path(out)
    files["site.json"] = (json.dumps(site_json, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    local = meta.local_metadata(descriptor, metadata, "site.json")  # beside the metadata file, wherever it moves
    files["datasette-metadata.json"] = (json.dumps(local, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    publish(out, files, check=check_site_out)
    landing["omitted"] = omitted
    return landing


def _report_label(report: dict, interface: dict) -> dict[str, str]:
    """A report named short, where a table links to it: its province and period."""
    from baocao.site.figures import period

    return {
        lang: f"{report['province']}, {period(report['period_start'], report['period_end'], lang, interface)}"
        for lang in ("vi", "en")
    }


def _source_line(data: SiteData, lang: str, interface: dict) -> str:
    """'Nguồn: <issuer>, <report title>' under each chart."""
    prefix = interface["ui"]["chart_source"][lang]
    titles = [
        f"{r['issuer' if lang == 'vi' else 'issuer_en']}, {r['title' if lang == 'vi' else 'title_en']}"
        for r in data.reports[:1]
    ]
    return f"{prefix} {'; '.join(titles)}" if titles else ""


__all__ = ["build_site", "label", "TEMPLATES", "PLUGINS", "STATIC"]
