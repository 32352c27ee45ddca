"""The landing page's figures: key figures with their period, failed checks, reports side by side."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from datasette.utils import tilde_encode

from baocao.reading.numbers import format_vi


def label(value: Decimal, lang: str) -> str:
    """A number as a reader of ``lang`` writes it."""
    text = format(Decimal(value).normalize(), "f")
    return format_vi(Decimal(text)) if lang == "vi" else f"{Decimal(text):,f}"


def period(start: str, end: str, lang: str, interface: dict) -> str:
    """A period as words, in the formats of metadata/interface.yaml: 'tháng 1–6/2024', 'January–June 2024'."""
    if not start or not end:
        return ""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    if lang == "vi":
        formats = interface["period"]
        if first.year != last.year:
            return formats["vi_span"].format(
                first_month=first.month, first_year=first.year, last_month=last.month, last_year=last.year
            )
        if first.month == last.month:
            return formats["vi_month"].format(month=last.month, year=last.year)
        return formats["vi_months"].format(first=first.month, last=last.month, year=last.year)
    months = interface["months"]["en"]
    if first.year == last.year:
        span = months[first.month - 1] + ("" if first.month == last.month else f"–{months[last.month - 1]}")
        return f"{span} {last.year}"
    return f"{months[first.month - 1]} {first.year} – {months[last.month - 1]} {last.year}"


def obs_href(database: str, obs: dict) -> str:
    return f"/{database}/observations/{tilde_encode(obs['obs_id'])}"


def key_figures(refs: list[str], data, database: str, omitted: list[str] | None = None) -> list[dict[str, Any]]:
    """The figures metadata/site.yaml names that the first report publishes, with unit, period, sentence and
    the page of each; one it does not publish is left out, and said so in ``omitted``."""
    out = []
    for ref in refs:
        indicator_id, _, measure = ref.partition(".")
        measure = measure or "value"
        obs = data.by_key.get((indicator_id, measure))
        if obs is None:
            if omitted is not None:
                omitted.append(f"key figure {ref!r} left out: the report publishes no such observation")
            continue
        indicator, unit = data.indicators[indicator_id], data.units[obs["unit_id"]]
        entry = {"quote": obs["quote"], "href": obs_href(database, obs), "failed": obs.get("check_status") == "fail"}
        for lang in ("vi", "en"):
            entry[f"value_{lang}"] = label(obs["signed_value"], lang)
            entry[f"unit_{lang}"] = unit[f"name_{lang}"]
            entry[f"name_{lang}"] = indicator[f"name_{lang}"]
            entry[f"measure_{lang}"] = "" if measure == "value" else data.measures[measure][f"name_{lang}"]
            entry[f"period_{lang}"] = period(obs["period_start"], obs["period_end"], lang, data.interface)
        out.append(entry)
    return out


def failed_checks(checks: list[dict], observations: dict[str, dict], database: str) -> list[dict[str, Any]]:
    """Where the report contradicts itself: each failed check with its figures and their sentences."""
    out = []
    for check in checks:
        if check["status"] != "fail":
            continue
        figures = []
        for obs_id in (check["observations"] or "").split():
            obs = observations.get(obs_id)
            if obs is not None:
                figures.append(
                    {"value_text": obs["value_text"], "quote": obs["quote"], "href": obs_href(database, obs)}
                )
        quotes = list(dict.fromkeys(f["quote"] for f in figures))
        out.append(
            {
                "description_vi": check["description_vi"],
                "description_en": check["description_en"],
                "formula": check["formula"],
                "expected_vi": label(check["expected"], "vi"),
                "expected_en": label(check["expected"], "en"),
                "actual_vi": label(check["actual"], "vi"),
                "actual_en": label(check["actual"], "en"),
                "figures": figures,
                "quotes": quotes,
                "href": f"/{database}/checks/{tilde_encode(check['check_id'])}",
            }
        )
    return out


def _shape(report: dict) -> tuple[str, str]:
    """A report's period without its year: six months, nine months, a quarter, a year, a month."""
    return str(report["period_start"])[5:], str(report["period_end"])[5:]


def compare_reports(refs: list[str], data, database: str) -> dict[str, Any] | None:
    """Figures side by side, one column per report in period order, when several reports cover like periods
    (the same months of different years or provinces: the kind most reports share, else the latest's); each
    report's figure for its own period only, never its months from January beside another's quarter."""
    if len(data.reports) < 2:
        return None
    shapes = Counter(_shape(r) for r in data.reports)
    latest = _shape(max(data.reports, key=lambda r: (r["period_end"], r["period_start"], r["report_id"])))
    like = max(shapes, key=lambda shape: (shapes[shape], shape == latest))
    if shapes[like] < 2:
        return None
    reports = [r for r in data.reports if _shape(r) == like]
    ordered = sorted(reports, key=lambda r: (r["period_end"], r["period_start"], r["report_id"]))
    periods = {r["report_id"]: (str(r["period_start"]), str(r["period_end"])) for r in reports}
    by_key = {
        (o["report_id"], o["indicator_id"], o["measure"]): o
        for o in data.observations
        if periods.get(o["report_id"]) == (str(o["period_start"]), str(o["period_end"]))
    }
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
        if sum(c is not None for c in cells) < 2 or indicator_id not in data.indicators:
            continue
        rows.append(_compare_row(data, indicator_id, measure, cells, database))
    return {"columns": columns, "rows": rows} if rows else None


def _compare_row(data, indicator_id: str, measure: str, cells: list, database: str) -> dict[str, Any]:
    indicator, measures, units = data.indicators[indicator_id], data.measures, data.units
    target = units[indicator["unit_id"]] if measures[measure]["default_unit"] == "indicator" else None
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
    row: dict[str, Any] = {"indicator_id": indicator_id, "measure": measure, "raw": raw}
    for lang in ("vi", "en"):
        suffix = "" if measure == "value" else f" — {measures[measure][f'name_{lang}']}"
        row[f"label_{lang}"] = f"{indicator[f'name_{lang}']}{suffix} ({unit[f'name_{lang}']})"
        row[f"cells_{lang}"] = ["" if v is None else label(v, lang) for v in raw]
    row["href"] = f"/{database}/across_reports?indicator={indicator_id}"
    return row
