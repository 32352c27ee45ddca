"""The report's wide tables (metadata/indicators/*.yaml `tables`): their schemas, their rows and the SQL views
that compute the same rows from observations."""

from __future__ import annotations

from typing import Any

from baocao.core.labels import labels
from baocao.core.metadata import Metadata
from baocao.curation.catalog import catalog_of
from baocao.figures.units import convert, convert_sql


def wide_table_specs(metadata: Metadata) -> list[dict[str, Any]]:
    """Table Schemas of the report's wide tables, in the form of metadata/resources.yaml, with their SQL."""
    measures = {m["id"]: m for m in metadata.measures}
    wide = labels(metadata)["wide_tables"]
    note = wide["measure_note"]
    specs = []
    for table in catalog_of(metadata).tables:
        fields = [dict(field) for field in wide["fields"]]
        for column in table["columns"]:
            measure = measures[column["measure"]]
            fields.append(
                {
                    "name": column["measure"],
                    "type": "number",
                    "vi": column.get("title_vi", measure["name_vi"]),
                    "en": column.get("title_en", measure["name_en"]),
                    "dvi": f"{measure['description_vi']} {note['vi']}",
                    "den": f"{measure['description_en']} {note['en']}",
                }
            )
        spec = {
            "name": table["id"],
            "title_vi": table["title_vi"],
            "title_en": table["title_en"],
            "description_vi": table["description_vi"],
            "description_en": table["description_en"],
            "primary_key": ["report_id", "indicator_id"],
            "foreign_keys": [
                {"fields": ["report_id"], "resource": "reports", "reference": ["report_id"]},
                {"fields": ["indicator_id"], "resource": "indicators", "reference": ["indicator_id"]},
            ],
            "fields": fields,
            "rows": table["rows"],
            "columns": [c["measure"] for c in table["columns"]],
        }
        spec["sql"] = wide_table_sql(spec, metadata)
        specs.append(spec)
    return specs


def _in_indicator_unit(metadata: Metadata) -> set[str]:
    """The measures whose values are converted to the indicator's unit (levels, not percentages)."""
    return {m["id"] for m in metadata.measures if m["unit"] == "indicator"}


def wide_table_rows(
    spec: dict[str, Any], observations: list[dict[str, Any]], indicators: list[dict[str, Any]], metadata: Metadata
) -> list[dict[str, Any]]:
    """The rows of one wide table: one per report and indicator, one column per measure."""
    multiplier = {u.id: u.multiplier for u in metadata.units}
    by_indicator = {i["indicator_id"]: i for i in indicators}
    in_indicator_unit = _in_indicator_unit(metadata)
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for obs in observations:
        if obs["indicator_id"] not in spec["rows"] or obs["measure"] not in spec["columns"]:
            continue
        indicator = by_indicator[obs["indicator_id"]]
        value = obs["signed_value"]
        if obs["measure"] in in_indicator_unit:
            value = convert(value, multiplier[obs["unit_id"]], multiplier[indicator["unit_id"]])
        key = (obs["report_id"], obs["indicator_id"])
        row = cells.setdefault(
            key,
            {
                "report_id": obs["report_id"],
                "indicator_id": indicator["indicator_id"],
                "name_vi": indicator["name_vi"],
                "name_en": indicator["name_en"],
                "unit_id": indicator["unit_id"],
                **{c: None for c in spec["columns"]},
            },
        )
        row[obs["measure"]] = value
    order = {indicator_id: index for index, indicator_id in enumerate(spec["rows"])}
    return sorted(cells.values(), key=lambda r: (r["report_id"], order[r["indicator_id"]]))


def wide_table_sql(spec: dict[str, Any], metadata: Metadata) -> str:
    """The SQLite view that computes the same rows from observations."""
    in_indicator_unit = _in_indicator_unit(metadata)
    columns = []
    for measure in spec["columns"]:
        value = (
            convert_sql("o.signed_value", "uo.multiplier", "ui.multiplier")
            if measure in in_indicator_unit
            else "o.signed_value"
        )
        columns.append(f"MAX(CASE WHEN o.measure = '{measure}' THEN {value} END) AS [{measure}]")
    rows = ", ".join(f"'{r}'" for r in spec["rows"])
    order = " ".join(f"WHEN '{r}' THEN {i}" for i, r in enumerate(spec["rows"]))
    return (
        "SELECT o.report_id AS report_id, i.indicator_id AS indicator_id, i.name_vi AS name_vi, "
        "i.name_en AS name_en, i.unit_id AS unit_id, " + ", ".join(columns) + " "
        "FROM observations o JOIN indicators i ON i.indicator_id = o.indicator_id "
        "JOIN units uo ON uo.unit_id = o.unit_id JOIN units ui ON ui.unit_id = i.unit_id "
        "JOIN reports r ON r.report_id = o.report_id "
        "AND o.period_start = r.period_start AND o.period_end = r.period_end "
        f"WHERE o.indicator_id IN ({rows}) AND o.measure IN ({', '.join(repr(c) for c in spec['columns'])}) "
        f"GROUP BY o.report_id, i.indicator_id ORDER BY o.report_id, CASE i.indicator_id {order} END"
    )
