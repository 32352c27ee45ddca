"""The landing page's charts, from metadata/site.yaml: an SVG per language and the data it shows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from baocao.site import charts
from baocao.site.figures import label, obs_href


def _bars(chart: dict, data, lang: str) -> tuple[list, list[str], Decimal | None, list]:
    """(rows, series, reference, observations) of a chart of one measure."""
    measure = chart["measure"]
    if "indicators" in chart:
        chosen = [data.by_key[(i, measure)] for i in chart["indicators"] if (i, measure) in data.by_key]
    else:
        chosen = [
            o
            for o in data.primary_observations
            if o["measure"] == measure and ("topic" not in chart or o["topic_id"] == chart["topic"])
        ]
    if chart.get("sort") == "descending":
        chosen.sort(key=lambda o: -o["signed_value"])
    rows = [(data.indicators[o["indicator_id"]][f"name_{lang}"], [o["signed_value"]]) for o in chosen]
    reference = Decimal(str(chart["reference"])) if "reference" in chart else None
    return rows, [chart[f"title_{lang}"]], reference, [[o] for o in chosen]


def _paired(chart: dict, data, lang: str) -> tuple[list, list[str], None, list]:
    """(rows, series, None, observations) of a chart of several measures of the indicators of a topic."""
    measures = chart["measures"]
    ids = [
        i
        for i, ind in data.indicators.items()
        if ind["topic_id"] == chart["topic"] and all((i, m) in data.by_key for m in measures)
    ]
    rows, observations = [], []
    for i in ids:
        values, found = [], []
        for m in measures:
            o = data.by_key[(i, m)]
            factor = Decimal(str(data.units[o["unit_id"]]["multiplier"])) / Decimal(
                str(data.units[data.indicators[i]["unit_id"]]["multiplier"])
            )
            values.append(o["signed_value"] * factor)
            found.append(o)
        rows.append((data.indicators[i][f"name_{lang}"], values))
        observations.append(found)
    return rows, [data.measures[m][f"name_{lang}"] for m in measures], None, observations


def chart_entries(
    site: dict, data, source: dict[str, str], files: dict[str, bytes], omitted: list[str] | None = None
) -> list[dict[str, Any]]:
    """Each chart of metadata/site.yaml that the project's reports give data for: its SVG in both languages
    (into ``files``) and its data table. A chart with no data is left out, and said so in ``omitted``."""
    database = site["database"]
    entries = []
    for chart in site["charts"]:
        entry: dict[str, Any] = {"id": chart["id"], "href": _href(chart, database, data.primary)}
        make = _bars if chart["kind"] == "bars" else _paired
        if not make(chart, data, "vi")[0]:
            if omitted is not None:
                omitted.append(f"chart {chart['id']!r} left out: the reports give it no data")
            continue
        for lang in ("vi", "en"):
            rows, series, reference, observations = make(chart, data, lang)
            title = chart[f"title_{lang}"]
            svg, width, height = charts.bar_chart(title, rows, series, lang, reference, source[lang])
            files[f"assets/charts/{chart['id']}.{lang}.svg"] = svg.encode("utf-8")
            entry.update({f"title_{lang}": title, f"src_{lang}": f"/assets/charts/{chart['id']}.{lang}.svg"})
            entry[f"series_{lang}"] = series
            entry[f"rows_{lang}"] = [
                {
                    "label": name,
                    "cells": [
                        {"text": label(v, lang), "href": obs_href(database, o)}
                        for v, o in zip(values, found, strict=True)
                    ],
                }
                for (name, values), found in zip(rows, observations, strict=True)
            ]
            entry.update({"width": width, "height": height})
        entries.append(entry)
    return entries


def _href(chart: dict, database: str, primary: str | None) -> str:
    if "table" in chart:
        return f"/{database}/{chart['table']}"
    if "measure" in chart:
        topic = f"&topic_id={chart['topic']}" if "topic" in chart else ""
        return f"/{database}/observations?measure={chart['measure']}{topic}&report_id={primary}"
    return f"/{database}/observations?topic_id={chart['topic']}&report_id={primary}"


def across_reports_chart(compare: dict, source: dict[str, str], files: dict[str, bytes]) -> dict[str, Any]:
    """The first figure of the reports side by side, as bars."""
    first = compare["rows"][0]
    entry: dict[str, Any] = {"id": "across_reports", "href": first["href"]}
    for lang in ("vi", "en"):
        bars = [
            (f"{column['province']} {column['label_' + lang]}", [value])
            for column, value in zip(compare["columns"], first["raw"], strict=True)
            if value is not None
        ]
        title = first["label_" + lang]
        svg, width, height = charts.bar_chart(title, bars, [title], lang, source=source[lang])
        files[f"assets/charts/across_reports.{lang}.svg"] = svg.encode("utf-8")
        entry.update(
            {
                f"title_{lang}": title,
                f"src_{lang}": f"/assets/charts/across_reports.{lang}.svg",
                f"series_{lang}": [title],
                f"rows_{lang}": [{"label": name, "cells": [{"text": label(v[0], lang)}]} for name, v in bars],
                "width": width,
                "height": height,
            }
        )
    return entry
