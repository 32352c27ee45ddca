"""Every figure of a report typed (statements) and the resolved ones published (observations).

Report-specific locators (metadata/locators/) and the standard locators keep what they
find; the statements of the other figures are resolved against the vocabulary, and become
observations where one indicator, measure and period is given one value. ``generic_only``
ignores every locator: what the generic reading alone achieves.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from baocao.core.errors import BaocaoError
from baocao.core.normalize import fold_key
from baocao.curation.catalog import catalog_of
from baocao.curation.observation import Observation
from baocao.figures.extract import Mention
from baocao.figures.resolve import Resolver
from baocao.figures.statements import Statement, read_statements, task_section
from baocao.reading.parse import Document


def _titles_above(section, by_id: dict[str, Any]) -> list[str]:
    """The titles of the sections that hold ``section``, nearest first."""
    titles, parent = [], section.parent_id
    while parent and parent in by_id:
        titles.append(by_id[parent].title)
        parent = by_id[parent].parent_id
    return titles


def section_headings(document: Document) -> dict[str, str]:
    """Each section's title with the titles of the sections above it."""
    by_id = {s.section_id: s for s in document.sections}
    return {s.section_id: " ".join(t for t in [s.title, *_titles_above(s, by_id)] if t) for s in document.sections}


def read_document(document: Document, mentions: list[Mention], provenance: dict[str, Any], metadata) -> list[Statement]:
    quantity = {u.id: u.quantity for u in metadata.units}
    by_section: dict[str, list[tuple[int, Mention]]] = defaultdict(list)
    for index, mention in enumerate(mentions):
        by_section[mention.section_id].append((index, mention))
    titles = {s.section_id: s for s in document.sections}
    out: list[Statement] = []
    for section in document.sections:
        if not by_section.get(section.section_id):
            continue
        tasks = section.kind != "footnote" and task_section(section.title, _titles_above(section, titles))
        out.extend(
            read_statements(
                section.section_id,
                section.text,
                by_section[section.section_id],
                str(provenance["period_start"]),
                str(provenance["period_end"]),
                quantity,
                tasks,
            )
        )
    return sorted(out, key=lambda s: s.mention_index)


_resolvers: list[tuple[Any, Resolver]] = []  # the last vocabulary and its resolver: built once per catalog


def _resolver(catalog, metadata, units: dict[str, Any]) -> Resolver:
    if not _resolvers or _resolvers[0][0] is not catalog.vocabulary:
        measure_units = {m["id"]: m["unit"] for m in metadata.measures}
        _resolvers[:] = [(catalog.vocabulary, Resolver(catalog.vocabulary, catalog.indicators, units, measure_units))]
    return _resolvers[0][1]


def _unresolve(statement: Statement, reason: str) -> None:
    """A statement resolved by its words but not published: unmapped, with the reason why."""
    statement.indicator_id, statement.resolution, statement.reason = None, "unmapped", reason


def _inside(place: str | None, term, gazetteer) -> bool:
    """Whether a place a clause names is a district, town or city inside the report's province: not a province
    (the report's own, or another where an event took place), and not named by the indicator itself (an
    indicator of that district)."""
    if not place or gazetteer.named(place) is not None:
        return False
    words = tuple(fold_key(place).split())
    return not any(name[i : i + len(words)] == words for name in term.names for i in range(len(name)))


def _flow_to_date(statement: Statement, term, report_period: tuple[str, str], quote: str) -> None:
    """A flow "đến ngày 30/9" runs from the start of its year (when its sentence says so, or measures it against
    the year's plan or estimate) or else of the report to that day; a stock is the level on that day."""
    start, end = statement.period_start, statement.period_end
    if term.stock or start != end or statement.period_from != "clause":
        return
    if _SINCE_JANUARY.search(quote):
        # "giải ngân đến ngày 30/9 đạt …, bằng 55% kế hoạch năm": since the start of the year, as the year's plan
        # counts it, in a quarter's or a month's report as in a nine months' one
        statement.period_start = end[:4] + "-01-01"
    elif end == report_period[1]:
        statement.period_start = report_period[0]
    else:
        statement.period_start = (
            max(f"{end[:4]}-01-01", report_period[0]) if end >= report_period[0] else end[:4] + "-01-01"
        )


_SINCE_JANUARY = re.compile(
    r"(?i)từ đầu năm|lũy kế|luỹ kế|(?:kế hoạch|KH|dự toán|chỉ tiêu)(?: vốn)?(?: được giao| giao)? năm|cả năm"
)


def _clause_period(taken: Observation, statement: Statement, term, report_period, mentions) -> None:
    """A standard locator finds a figure and its measure, not its period: "Tổng chi ngân sách 9 tháng ước đạt
    …" in a quarter's report is the nine months' figure, as the clause says, not the quarter's."""
    if statement.period_from not in ("clause", "implied") or term is None:
        return
    _flow_to_date(statement, term, report_period, mentions[statement.mention_index].quote)
    period = (statement.period_start, statement.period_end)
    if period != report_period:
        taken.period_start, taken.period_end = period


def resolve_report(
    statements: list[Statement],
    mentions: list[Mention],
    observations: list[Observation],
    provenance: dict[str, Any],
    metadata,
    sources: dict[int, str],
    headings: dict[str, str] | None = None,
) -> list[Observation]:
    """Resolve each statement; returns the observations to add to those the locators found.
    ``headings``: each section's title and the titles above it (see section_headings)."""
    catalog = catalog_of(metadata)
    if catalog.vocabulary is None:
        return []
    units = {u.id: u for u in metadata.units}
    report_period = (str(provenance["period_start"]), str(provenance["period_end"]))
    resolver = _resolver(catalog, metadata, units)
    terms = catalog.vocabulary.by_id()
    gaz = metadata.gazetteer
    by_mention = {o.mention_index: o for o in observations}
    candidates: dict[tuple[str, str, str | None, str | None], list[Statement]] = defaultdict(list)
    earlier: list[Statement] = []
    for statement in statements:
        taken = by_mention.get(statement.mention_index)
        if taken is not None:
            statement.indicator_id, statement.measure = taken.indicator_id, taken.measure
            statement.resolution = sources.get(statement.mention_index, "curated")
            statement.reason = "locator" if statement.resolution == "curated" else None
            if statement.resolution == "standard" and taken.period_start is None:
                _clause_period(taken, statement, terms.get(taken.indicator_id), report_period, mentions)
            continue
        unit_id = mentions[statement.mention_index].unit_id
        frame = f"{(headings or {}).get(statement.section_id, '')} {mentions[statement.mention_index].quote}"
        indicator_id, measure, resolution, reason = resolver.resolve(statement, unit_id, frame)
        statement.indicator_id, statement.resolution, statement.reason = indicator_id, resolution, reason
        if measure != "plan_or_total":
            statement.measure = measure
        elif resolution != "vocabulary":
            statement.measure, statement.reason = None, "a_or_b_second"
        if indicator_id and resolution == "vocabulary" and _inside(statement.place, terms[indicator_id], gaz):
            # "riêng thành phố Hạ Long thu ngân sách …": a place inside the province, not the province
            _unresolve(statement, "part_place")
            continue
        if indicator_id and resolution == "vocabulary" and statement.period_start[:4] != statement.period_end[:4]:
            # "giai đoạn 2021 - 2025 thu hút vốn đầu tư …": years together, not a period a report states
            _unresolve(statement, "multi_year_period")
            continue
        if indicator_id and resolution == "vocabulary" and statement.period_end < report_period[0]:
            earlier.append(statement)  # published unless this period's figure stands beside it
            continue
        if indicator_id and resolution == "vocabulary":
            _flow_to_date(statement, terms[indicator_id], report_period, mentions[statement.mention_index].quote)
            period = (statement.period_start, statement.period_end)
            key = (indicator_id, statement.measure, *(period if period != report_period else (None, None)))
            candidates[key].append(statement)
    current = {key[:2] for key in candidates}
    for statement in earlier:
        if (statement.indicator_id, statement.measure) in current:
            # "tăng 6,12% (9 tháng năm 2023 tăng 5,99%)": last year's figure beside this year's is the comparison
            _unresolve(statement, "earlier_period")
        else:  # "chỉ số PCI năm 2023 đạt 63,39 điểm": announced in this period for an earlier one
            candidates[
                (statement.indicator_id, statement.measure, statement.period_start, statement.period_end)
            ].append(statement)
    covered = {(o.indicator_id, o.measure, o.period_start, o.period_end) for o in observations}
    added = _publish(candidates, covered, mentions, metadata)
    _check_reasons(statements, metadata)
    return added


def _publish(candidates: dict, covered: set, mentions: list[Mention], metadata) -> list[Observation]:
    """An observation for each indicator, measure and period given one value; several values: ambiguous."""
    units = {u.id: u for u in metadata.units}
    measure_unit = {m["id"]: m["unit"] for m in metadata.measures}
    added: list[Observation] = []
    for key, group in candidates.items():
        values = {(mentions[s.mention_index].value, mentions[s.mention_index].unit_id) for s in group}
        named = [s for s in group if s.reason == "by_name"]
        if (
            len(values) > 1
            and len({(mentions[s.mention_index].value, mentions[s.mention_index].unit_id) for s in named}) == 1
        ):
            # a name in the figure's own subject beats words borrowed from its sentence's subject
            for statement in group:
                if statement.reason != "by_name":
                    _unresolve(statement, "named_elsewhere")
            group, values = named, {(mentions[named[0].mention_index].value, mentions[named[0].mention_index].unit_id)}
        if len(values) > 1:
            for statement in group:
                statement.resolution, statement.reason = "ambiguous", "several_values"
            continue
        if key in covered:
            for statement in group:
                statement.reason = "locator_gives"
            continue
        statement = group[0]
        mention = mentions[statement.mention_index]
        indicator_id, measure, start, end = key
        unit = measure_unit[measure]
        unit = mention.unit_id if unit == "indicator" or (mention.unit_id and units.get(unit) is None) else unit
        if unit is None or unit not in units:
            continue
        added.append(
            Observation(
                indicator_id=indicator_id,
                measure=measure,
                value=mention.value,
                value_text=mention.value_text,
                unit_id=unit,
                obs_status=mention.obs_status,
                qualifier=mention.qualifier,
                direction=statement.direction,
                ref_date=start if start and start == end else None,
                section_id=mention.section_id,
                quote=mention.quote,
                quote_start=mention.quote_start,
                quote_end=mention.quote_end,
                value_start=mention.value_start,
                value_end=mention.value_end,
                mention_index=statement.mention_index,
                period_start=start,
                period_end=end,
            )
        )
    return added


def _check_reasons(statements: list[Statement], metadata) -> None:
    """Every reason a statement gives is in the code list (metadata/messages.yaml), or the build stops."""
    known = metadata.messages["reasons"]
    for statement in statements:
        for code in (statement.measure_reason, statement.reason):
            if code is not None and code not in known:
                raise BaocaoError(f"reason {code!r} is not in the code list 'reasons'", "metadata/messages.yaml")


STATEMENT_COLUMNS = (
    "section_id",
    "subject",
    "measure",
    "period_start",
    "period_end",
    "target",
    "value",
    "value_text",
    "change_direction",
    "signed_value",
    "unit_id",
    "obs_status",
    "qualifier",
    "indicator_id",
    "resolution",
    "reason",
    "quote",
    "quote_start",
    "quote_end",
    "value_start",
    "value_end",
)


def statement_table(report) -> list[dict[str, Any]]:
    """One row per figure of a report: its statement, resolved or not, beside its mention."""
    rows = []
    for statement in report.statements:
        mention = report.mentions[statement.mention_index]
        row = {c: getattr(statement, c, None) for c in STATEMENT_COLUMNS}
        for column in ("value", "value_text", "unit_id", "obs_status", "qualifier", "quote"):
            row[column] = getattr(mention, column)
        for column in ("quote_start", "quote_end", "value_start", "value_end"):
            row[column] = getattr(mention, column)
        row["change_direction"] = statement.direction  # "giảm 2,1%": a decrease, -2.1
        value = row["value"]
        row["signed_value"] = -value if value is not None and statement.direction == "decrease" else value
        if row["measure"] == "plan_or_total":
            row["measure"] = None
        if statement.measure is None and statement.measure_reason and not statement.reason:
            row["reason"] = statement.measure_reason
        rows.append(row)
    return rows
