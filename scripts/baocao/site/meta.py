"""What Datasette and the plugin need to know, in each language: titles, descriptions, column
titles, labels of codes, canned queries, and how cells read (numbers, units, report text)."""

from __future__ import annotations

from typing import Any

from baocao.core.metadata import Metadata

LANGS = ("vi", "en")


def _pick(obj: dict, key: str, lang: str) -> str:
    return obj["i18n"]["en"][key] if lang == "en" else obj[key]


def _label_column(config: dict, lang: str) -> str | None:
    label = config.get("label")
    if isinstance(label, dict):
        return label.get(lang)
    return label


def datasette_metadata(descriptor: dict, metadata: Metadata, lang: str, source: str = "") -> dict[str, Any]:
    """Titles, descriptions, labels and canned queries in one language, keyed by the served database."""
    site = metadata.site
    tables = {}
    for resource in descriptor["resources"]:
        tables[resource["name"]] = {
            "title": _pick(resource, "title", lang),
            "description": _pick(resource, "description", lang),
            "columns": {
                f["name"]: f"{_pick(f, 'title', lang)}: {_pick(f, 'description', lang)}"
                for f in resource["schema"]["fields"]
            },
        }
        label = _label_column(site["tables"].get(resource["name"], {}), lang)
        if label:
            tables[resource["name"]]["label_column"] = label
    queries = {
        name: {"title": query[f"title_{lang}"], "description": query[f"description_{lang}"], "sql": query["sql"]}
        for name, query in site["queries"].items()
    }
    return {
        "title": _pick(descriptor, "title", lang),
        "description": _pick(descriptor, "description", lang),
        "source": source,
        "databases": {
            site["database"]: {
                "title": _pick(descriptor, "title", lang),
                "description": _pick(descriptor, "description", lang),
                "tables": tables,
                "queries": queries,
            }
        },
    }


def local_metadata(descriptor: dict, metadata: Metadata, site_file) -> dict[str, Any]:
    """The language-neutral part: licence, facets, search, sort orders, and where the plugin's data is."""
    site = metadata.site
    tables: dict[str, dict[str, Any]] = {}
    for name, config in site["tables"].items():
        tables[name] = {key: config[key] for key in ("facets", "sort") if key in config}
    for name in site["search"]:
        tables.setdefault(name, {}).update({"fts_table": f"{name}_fts", "fts_pk": "rowid"})
    licence = descriptor["licenses"][0]
    return {
        "license": licence["name"],
        "license_url": licence["path"],
        "source_url": "/" + site["database"] + "/reports",
        "databases": {site["database"]: {"tables": tables}},
        "plugins": {"baocao-site": {"site_file": str(site_file)}},
    }


def columns(descriptor: dict) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
    """{lang: {table: {column: {title, description}}}}: column headers and their explanations."""
    return {
        lang: {
            r["name"]: {
                f["name"]: {"title": _pick(f, "title", lang), "description": _pick(f, "description", lang)}
                for f in r["schema"]["fields"]
            }
            for r in descriptor["resources"]
        }
        for lang in LANGS
    }


def cells(descriptor: dict, metadata: Metadata, interface: dict) -> dict[str, Any]:
    """How the plugin renders cells: the tables codes link to, the number columns, the report's text."""
    foreign_keys: dict[str, dict[str, str]] = {}
    numbers: dict[str, list[str]] = {}
    for resource in descriptor["resources"]:
        schema = resource["schema"]
        for fk in schema.get("foreignKeys", []):
            other = fk["reference"]["resource"] or resource["name"]
            foreign_keys.setdefault(resource["name"], {})[fk["fields"][0]] = other
        numbers[resource["name"]] = [f["name"] for f in schema["fields"] if f["type"] == "number"]
    return {
        "foreign_keys": foreign_keys,
        "numbers": numbers,
        "report_text": interface.get("report_text_columns", []),
        "default_columns": {
            name: config["columns"] for name, config in metadata.site["tables"].items() if "columns" in config
        },
    }


def vietnamese_labels(metadata: Metadata) -> list[str]:
    """Tables whose label in English is still the report's Vietnamese (no English column to show)."""
    return [
        name
        for name, config in metadata.site["tables"].items()
        if "label" in config and not isinstance(config["label"], dict)
    ]
