"""The landing page's data and its schema.org Dataset (JSON-LD)."""

from __future__ import annotations

import json
from typing import Any


def _entries(resources: list[dict], database: str, rows: bool = False) -> list[dict[str, Any]]:
    out = []
    for r in resources:
        entry = {
            "title_vi": r["title"],
            "title_en": r["i18n"]["en"]["title"],
            "description_vi": r["description"],
            "description_en": r["i18n"]["en"]["description"],
            "href": f"/{database}/{r['name']}",
        }
        if rows:
            entry["rows"] = r["rowCount"]
        out.append(entry)
    return out


def landing_page(descriptor: dict, metadata, data, parts: dict[str, Any]) -> dict[str, Any]:
    """Everything the landing page shows, in both languages; ``parts`` holds the figures, charts and downloads."""
    database = metadata.site["database"]
    en = descriptor["i18n"]["en"]
    package = metadata.package
    core = {r["name"] for r in metadata.resources["resources"]}
    counts: dict[str, int] = {}
    for o in data.observations:
        counts[o["topic_id"]] = counts.get(o["topic_id"], 0) + 1
    first = data.reports[0] if data.reports else {}
    landing = {
        "database": database,
        "title_vi": descriptor["title"],
        "title_en": en["title"],
        "description_vi": descriptor["description"],
        "description_en": en["description"],
        "note_vi": first.get("note", ""),
        "note_en": first.get("note_en", ""),
        "licence": descriptor["licenses"][0]["name"],
        "licence_url": descriptor["licenses"][0]["path"],
        "licence_note_vi": package["licence_note_vi"],
        "licence_note_en": package["licence_note_en"],
        **parts,
        "tables": _entries([r for r in descriptor["resources"] if r["name"] not in core], database),
        "resources": _entries([r for r in descriptor["resources"] if r["name"] in core], database, rows=True),
        "topics": [
            {
                "name_vi": t["name_vi"],
                "name_en": t["name_en"],
                "observations": counts.get(t["topic_id"], 0),
                "href": f"/{database}/observations?topic_id={t['topic_id']}",
            }
            for t in data.topics
            if counts.get(t["topic_id"])
        ],
        "reports": [_report(r, parts.get("sources", {})) for r in data.reports],
    }
    return landing


def _report(r: dict, sources: dict[str, dict]) -> dict[str, Any]:
    return {
        "report_id": r["report_id"],
        "title_vi": r["title"],
        "title_en": r["title_en"],
        "issuer_vi": r["issuer"],
        "issuer_en": r["issuer_en"],
        "province": r["province"],
        "period_start": r["period_start"],
        "period_end": r["period_end"],
        "sha256": r["sha256"],
        "source_href": (sources.get(r["report_id"]) or {}).get("href", ""),
        "source_name": (sources.get(r["report_id"]) or {}).get("name", ""),
    }


def jsonld(descriptor: dict, landing: dict, base: str) -> str:
    """schema.org Dataset of the package, for search engines; ``base`` is the site's public address."""
    en = descriptor["i18n"]["en"]
    base = base.rstrip("/")
    provinces = list(dict.fromkeys(r["province"] for r in landing["reports"] if r["province"]))
    data = {
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
            "address": {
                "@type": "PostalAddress",
                "addressRegion": provinces[0] if len(provinces) == 1 else provinces,
                "addressCountry": descriptor["spatial"].get("country", ""),
            },
        },
        "temporalCoverage": f"{descriptor['temporal']['start']}/{descriptor['temporal']['end']}",
        "distribution": [
            {
                "@type": "DataDownload",
                "name": [{"@language": "vi", "@value": d["title_vi"]}, {"@language": "en", "@value": d["title_en"]}],
                "encodingFormat": d["mediatype"],
                "contentUrl": base + d["href"],
                "contentSize": f"{d['bytes']} B",
            }
            for d in landing["downloads"]
        ],
    }
    return script_json(json.dumps(data, ensure_ascii=False, indent=1))


# what may end or comment out an inline <script>, or break a line in JavaScript, written as JSON escapes
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(text: str) -> str:
    """JSON text safe inside an HTML <script> element: the same value to a JSON reader."""
    for char, escape in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escape)
    return text
