"""Rows of the code lists and the indicator catalogue: the resources every report shares."""

from __future__ import annotations

from typing import Any

from baocao.core.metadata import Metadata
from baocao.curation.catalog import catalog_of

Rows = list[dict[str, Any]]

SHARED = ("units", "statuses", "reasons", "document_types", "topics", "measures", "indicators")


def shared_tables(metadata: Metadata) -> dict[str, Rows]:
    """The code lists and the catalog: the same whatever the reports."""
    topics = [
        {"topic_id": t["id"], "name_vi": t["name_vi"], "name_en": t["name_en"], "position": position}
        for position, t in enumerate(metadata.topics, start=1)
    ]
    measures = [
        {
            "measure_id": m["id"],
            "name_vi": m["name_vi"],
            "name_en": m["name_en"],
            "description_vi": m["description_vi"],
            "description_en": m["description_en"],
            "default_unit": m["unit"],
        }
        for m in metadata.measures
    ]
    indicators = [
        {
            "indicator_id": i.id,
            "topic_id": i.topic,
            "name_vi": i.name_vi,
            "name_en": i.name_en,
            "description_vi": i.description_vi,
            "description_en": i.description_en,
            "unit_id": i.unit,
            "parent_id": i.parent,
            "position": i.order,
            "catalog_file": i.file,
        }
        for i in catalog_of(metadata).indicators.values()
    ]
    units = [
        {
            "unit_id": u.id,
            "name_vi": u.name_vi,
            "name_en": u.name_en,
            "aliases": " | ".join(u.aliases),
            "base_unit": u.base_unit,
            "multiplier": u.multiplier,
            "quantity": u.quantity,
        }
        for u in metadata.units
    ]
    statuses = [
        {"status_id": s["id"], "name_vi": s["name_vi"], "name_en": s["name_en"], "words": ", ".join(s["words"]) or None}
        for s in metadata.statuses
    ]
    reasons = [
        {"reason_id": code, "name_vi": text["vi"], "name_en": text["en"]}
        for code, text in metadata.messages["reasons"].items()
    ]
    document_types = [
        {"type_code": k["code"], "name_vi": k["name_vi"], "name_en": k["name_en"]}
        for k in metadata.legal["document_types"]
    ]
    return {
        "units": units,
        "statuses": statuses,
        "reasons": reasons,
        "document_types": document_types,
        "topics": topics,
        "measures": measures,
        "indicators": indicators,
    }
