"""The pipeline from report files to the tables of the data package (read → parse → extract → package)."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from baocao import paths
from baocao.curate import Catalog, CheckResult, Coverage, Curator, Observation
from baocao.errors import BaocaoError
from baocao.extract import Extractor, Mention
from baocao.legal import LegalDocument
from baocao.metadata import Metadata
from baocao.package import all_specs, assemble_package, csv_bytes
from baocao.parse import Document, parse_document
from baocao.provenance import apply_overrides, infer
from baocao.read import Source, read_source
from baocao.text import sentence_spans

REPORT_SUFFIXES = {".txt", ".docx", ".pdf"}


@dataclass
class Report:
    report_id: str
    provenance: dict[str, Any]
    source: Source
    document: Document
    mentions: list[Mention]
    legal: list[LegalDocument]
    observations: list[Observation]
    checks: list[CheckResult]
    coverage: list[Any] = field(default_factory=list)
    statements: list[Any] = field(default_factory=list)


def default_sources(root: Path = paths.SOURCES) -> list[Path]:
    files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES)
    if not files:
        raise BaocaoError("no report files (*.txt, *.docx, *.pdf)", root)
    return files


def provenance_for(
    path: Path, metadata: Metadata, source: Source, document: Document, overrides: dict[str, str | None] | None = None
) -> dict[str, Any]:
    """The report's record in metadata/sources.yaml, or one inferred from its text (flagged for review);
    the command line's --province, --period and --issuer win over either."""
    overrides = {k: v for k, v in (overrides or {}).items() if v}
    matches = [r for r in metadata.sources if r["file"] == path.name]
    if matches:
        return apply_overrides(matches[0], metadata.gazetteer, overrides) if overrides else matches[0]
    return infer(path, source, document, metadata.package["licenses"][0]["name"], metadata.gazetteer, overrides)


def process(
    path: Path,
    metadata: Metadata,
    extractor: Extractor,
    curator: Curator | None,
    re_record: bool = False,
    overrides: dict[str, str | None] | None = None,
    generic_only: bool = False,
) -> Report:
    from baocao.typed import read_document, resolve_report

    source = read_source(path)
    document = parse_document(source.text, path)
    provenance = provenance_for(path, metadata, source, document, overrides)
    if source.sha256 != provenance["sha256"] and re_record:
        metadata.re_record(provenance["id"], source.sha256)
        print(f"baocao: {path}: new sha256 {source.sha256} recorded in metadata/sources.yaml", file=sys.stderr)
    if source.sha256 != provenance["sha256"]:  # an inferred record has the file's own checksum
        raise BaocaoError(
            f"sha256 {source.sha256[:12]}… does not match metadata/sources.yaml ({provenance['sha256'][:12]}…); "
            "if the report was deliberately replaced, build with --re-record",
            path,
        )
    mentions = extractor.document_mentions(document)
    observations: list[Observation] = []
    checks: list[CheckResult] = []
    coverage: list[Coverage] = []
    statements = []
    if curator is not None:
        texts = {s.section_id: s.text for s in document.sections}
        layout = provenance.get("locators", provenance["id"])
        sources: dict[int, str] = {}
        if not generic_only:
            observations, coverage = curator.curate(texts, mentions, str(path), provenance["id"], layout)
            sources = {
                c.observation.mention_index: "curated" if c.source == "report" else "standard"
                for c in coverage
                if c.observation is not None
            }
        statements = read_document(document, mentions, provenance, metadata)
        observations = observations + resolve_report(statements, mentions, observations, provenance, metadata, sources)
        checks = curator.checks([o for o in observations if o.period_start is None], layout)
    return Report(
        report_id=provenance["id"],
        provenance=provenance,
        source=source,
        document=document,
        mentions=mentions,
        legal=extractor.legal_documents(document),
        observations=observations,
        checks=checks,
        coverage=coverage,
        statements=statements,
    )


# Reports are independent: from this many on, they are processed by one worker per core.
PARALLEL_FROM = 16
_worker: dict[str, Any] = {}


def _init_worker(
    metadata_root: Path, indicators: list[dict[str, Any]], overrides: dict[str, Any], generic_only: bool
) -> None:
    metadata = Metadata(metadata_root)
    _worker.update(
        overrides=overrides,
        generic_only=generic_only,
        metadata=metadata,
        extractor=Extractor(metadata),
        curator=Curator(metadata),
        specs=_wide_specs(metadata),
        indicators=indicators,
    )


def run(
    files: list[Path],
    metadata: Metadata | None = None,
    curate: bool = True,
    re_record: bool = False,
    overrides: dict[str, str | None] | None = None,
    generic_only: bool = False,
) -> list[Report]:
    """Read, parse, extract and (with ``curate``) find the observations of each report, in one process."""
    metadata = metadata or Metadata()
    extractor = Extractor(metadata)
    curator = Curator(metadata) if curate else None
    reports = [process(Path(f), metadata, extractor, curator, re_record, overrides, generic_only) for f in files]
    _check_ids([(r.report_id, r.source.path) for r in reports])
    return reports


def _check_ids(ids: list[tuple[str, Path]]) -> None:
    seen: dict[str, Path] = {}
    for report_id, path in ids:
        if report_id in seen:
            raise BaocaoError(f"report id {report_id!r} is claimed by {seen[report_id].name} too", path)
        seen[report_id] = path


SHARED = ("units", "statuses", "document_types", "topics", "measures", "indicators")
PER_REPORT = (
    "reports",
    "sections",
    "footnotes",
    "mentions",
    "statements",
    "legal_citations",
    "observations",
    "checks",
    "coverage",
)


def shared_tables(metadata: Metadata) -> dict[str, list[dict[str, Any]]]:
    """The code lists and the catalog: the same whatever the reports."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in SHARED}
    catalog = metadata.catalog
    for position, topic in enumerate(metadata.topics, start=1):
        out["topics"].append(
            {"topic_id": topic["id"], "name_vi": topic["name_vi"], "name_en": topic["name_en"], "position": position}
        )
    for measure in metadata.measures:
        out["measures"].append(
            {
                "measure_id": measure["id"],
                "name_vi": measure["name_vi"],
                "name_en": measure["name_en"],
                "description_vi": measure["description_vi"],
                "description_en": measure["description_en"],
                "default_unit": measure["unit"],
            }
        )
    for indicator in catalog.indicators.values():
        out["indicators"].append(
            {
                "indicator_id": indicator.id,
                "topic_id": indicator.topic,
                "name_vi": indicator.name_vi,
                "name_en": indicator.name_en,
                "description_vi": indicator.description_vi,
                "description_en": indicator.description_en,
                "unit_id": indicator.unit,
                "parent_id": indicator.parent,
                "position": indicator.order,
                "catalog_file": indicator.file,
            }
        )
    for unit in metadata.units:
        out["units"].append(
            {
                "unit_id": unit.id,
                "name_vi": unit.name_vi,
                "name_en": unit.name_en,
                "aliases": " | ".join(unit.aliases),
                "base_unit": unit.base_unit,
                "multiplier": unit.multiplier,
                "quantity": unit.quantity,
            }
        )
    for status in metadata.statuses:
        out["statuses"].append(
            {
                "status_id": status["id"],
                "name_vi": status["name_vi"],
                "name_en": status["name_en"],
                "words": ", ".join(status["words"]) or None,
            }
        )
    for kind in metadata.legal["document_types"]:
        out["document_types"].append(
            {"type_code": kind["code"], "name_vi": kind["name_vi"], "name_en": kind["name_en"]}
        )
    return out


def report_tables(report: Report, metadata: Metadata) -> dict[str, list[dict[str, Any]]]:
    """One report's rows of every per-report resource, and its cited documents (legal_documents)."""
    titles = metadata.section_titles
    catalog = metadata.catalog
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in (*PER_REPORT, "legal_documents")}
    documents: dict[str, dict[str, Any]] = {}
    rid = report.report_id
    doc = report.document
    prov = report.provenance

    def sid(local: str | None, rid: str = rid) -> str | None:
        return f"{rid}/{local}" if local else None

    for position, section in enumerate(doc.sections, start=1):
        if section.kind == "footnote":
            title, title_en = f"Chú thích {section.number}", f"Footnote {section.number}"
        elif section.kind == "preamble":
            title, title_en = "Mở đầu", "Preamble"
        elif section.kind == "body":
            title, title_en = (
                "Toàn văn (báo cáo không có đề mục đánh số)",
                "Whole text (the report has no numbered headings)",
            )
        else:
            title, title_en = section.title, titles.get(section.title)
        out["sections"].append(
            {
                "section_id": sid(section.section_id),
                "report_id": rid,
                "kind": section.kind,
                "number": section.number or None,
                "occurrence": section.occurrence,
                "title": title,
                "title_en": title_en,
                "level": section.level,
                "parent_id": sid(section.parent_id),
                "position": position,
                "source_line": section.line,
                "text": section.text,
            }
        )
    for note in doc.footnotes:
        out["footnotes"].append(
            {
                "footnote_id": f"{rid}/fn{note.number}",
                "report_id": rid,
                "number": note.number,
                "section_id": sid(note.section_id),
                "marker_offset": note.marker_offset,
                "text_section_id": f"{rid}/fn{note.number}",
                "text": note.text,
                "source_line": note.line,
            }
        )
    for index, mention in enumerate(report.mentions, start=1):
        out["mentions"].append(
            {
                "mention_id": f"{rid}/m{index:05d}",
                "report_id": rid,
                "section_id": sid(mention.section_id),
                "value": mention.value,
                "value_text": mention.value_text,
                "notation": mention.notation,
                "unit_id": mention.unit_id,
                "role": mention.role,
                "expression": mention.expression,
                "qualifier": mention.qualifier,
                "obs_status": mention.obs_status,
                "kind": mention.kind,
                "value_start": mention.value_start,
                "value_end": mention.value_end,
                "quote": mention.quote,
                "quote_start": mention.quote_start,
                "quote_end": mention.quote_end,
            }
        )
    mention_ids = {i: f"{rid}/m{i + 1:05d}" for i in range(len(report.mentions))}
    for observation in report.observations:
        indicator = catalog.indicators[observation.indicator_id]
        out["observations"].append(
            {
                "obs_id": obs_id(rid, observation),
                "report_id": rid,
                "indicator_id": observation.indicator_id,
                "topic_id": indicator.topic,
                "measure": observation.measure,
                "value": observation.value,
                "value_text": observation.value_text,
                "unit_id": observation.unit_id,
                "obs_status": observation.obs_status,
                "qualifier": observation.qualifier,
                "change_direction": observation.direction,
                "signed_value": observation.signed_value,
                "ref_date": observation.ref_date,
                "period_start": observation.period_start or prov["period_start"],
                "period_end": observation.period_end or prov["period_end"],
                "section_id": sid(observation.section_id),
                "quote": observation.quote,
                "quote_start": observation.quote_start,
                "quote_end": observation.quote_end,
                "value_start": observation.value_start,
                "value_end": observation.value_end,
                "mention_id": mention_ids[observation.mention_index],
                "correction": observation.correction,
                "check_status": ("fail" if observation.failed_checks else "pass") if observation.checked else None,
                "failed_checks": " ".join(f"{rid}/{c}" for c in observation.failed_checks) or None,
            }
        )
    obs_of_mention = {o.mention_index: obs_id(rid, o) for o in report.observations}
    for statement in report.statements:
        mention = report.mentions[statement.mention_index]
        out["statements"].append(
            {
                "statement_id": mention_ids[statement.mention_index],
                "report_id": rid,
                "section_id": sid(statement.section_id),
                "subject": statement.subject,
                "context": statement.context,
                "measure": statement.measure if statement.measure != "plan_or_total" else None,
                "measure_reason": statement.measure_reason,
                "period_start": statement.period_start,
                "period_end": statement.period_end,
                "period_from": statement.period_from,
                "target": statement.target,
                "value": mention.value,
                "value_text": mention.value_text,
                "unit_id": mention.unit_id,
                "obs_status": mention.obs_status,
                "change_direction": statement.direction,
                "indicator_id": statement.indicator_id,
                "resolution": statement.resolution,
                "reason": statement.reason,
                "obs_id": obs_of_mention.get(statement.mention_index),
                "quote": mention.quote,
                "quote_start": mention.quote_start,
                "quote_end": mention.quote_end,
                "value_start": mention.value_start,
                "value_end": mention.value_end,
            }
        )
    for check in report.checks:
        out["checks"].append(
            {
                "check_id": f"{rid}/{check.id}",
                "report_id": rid,
                "kind": check.kind,
                "description_vi": check.description_vi,
                "description_en": check.description_en,
                "formula": check.formula,
                "expected": check.expected,
                "actual": check.actual,
                "difference": check.difference,
                "tolerance": check.tolerance,
                "status": check.status,
                "observations": " ".join(f"{rid}/{i}/{m}" for i, m in check.observations),
            }
        )
    citation_index = 0
    for legal in report.legal:
        row = documents.get(legal.doc_id)
        if row is None:
            row = documents[legal.doc_id] = {
                "doc_id": legal.doc_id,
                "symbol": legal.symbol,
                "type_code": legal.type_code,
                "number": legal.number,
                "year": legal.year,
                "issuer_code": legal.issuer_code,
                "issuer_text": legal.issuer_text,
                "date": legal.date,
                "citations": 0,
            }
        row["citations"] += len(legal.citations)
        for citation in legal.citations:
            citation_index += 1
            text = doc.section(citation.section_id).text
            start, end = next(
                ((s, e) for s, e in sentence_spans(text) if s <= citation.start < e), (citation.start, citation.end)
            )
            out["legal_citations"].append(
                {
                    "citation_id": f"{rid}/c{citation_index:04d}",
                    "doc_id": legal.doc_id,
                    "report_id": rid,
                    "section_id": sid(citation.section_id),
                    "citation": citation.text,
                    "citation_start": citation.start,
                    "citation_end": citation.end,
                    "quote": text[start:end],
                    "quote_start": start,
                    "quote_end": end,
                }
            )
    out["reports"].append(
        {
            "report_id": rid,
            "title": prov["title_vi"],
            "title_en": prov["title_en"],
            "document_type": doc.header.get("document_type"),
            "document_symbol": prov.get("document_symbol") or doc.header.get("document_symbol"),
            "issuer": prov["issuer_vi"],
            "issuer_en": prov["issuer_en"],
            "addressee": prov["addressee_vi"],
            "addressee_en": prov["addressee_en"],
            "province": prov["province"],
            "place": doc.header.get("place"),
            "document_date": prov.get("document_date"),
            "date_text": doc.header.get("date_text"),
            "period_start": prov["period_start"],
            "period_end": prov["period_end"],
            "language": prov["language"],
            "source_file": report.source.path.name,
            "sha256": report.source.sha256,
            "bytes": report.source.size,
            "licence": prov["licence"],
            "signer": " — ".join(doc.signature) or None,
            "recipients": "; ".join(r.rstrip(";.") for r in doc.recipients) or None,
            "note": prov.get("note_vi"),
            "note_en": prov.get("note_en"),
            "sections": len(doc.sections),
            "mentions": len(report.mentions),
            "headings": doc.headings,
            "page_breaks_repaired": len(doc.repairs),
            "provenance": "inferred" if prov.get("inferred") else "recorded",
            "duplicate_section_numbers": "; ".join(
                f"{number}: {', '.join(sid(i) for i in ids)}" for number, ids in doc.duplicate_numbers
            )
            or None,
        }
    )
    for item in report.coverage:
        key = f"{rid}/{item.indicator_id}/{item.measure}"
        out["coverage"].append(
            {
                "coverage_id": key,
                "report_id": rid,
                "indicator_id": item.indicator_id,
                "measure": item.measure,
                "source": item.source,
                "status": item.status,
                "candidates": item.candidates,
                "obs_id": key if item.observation is not None else None,
            }
        )
    out["legal_documents"] = list(documents.values())
    return out


def obs_id(report_id: str, observation: Observation) -> str:
    """report/indicator/measure, and the period where it is not the report's (a month, a date)."""
    base = f"{report_id}/{observation.indicator_id}/{observation.measure}"
    return f"{base}/{observation.period_start}_{observation.period_end}" if observation.period_start else base


def merge_legal_documents(rows: list[dict[str, Any]], known_types: set[str]) -> list[dict[str, Any]]:
    """Each document once, with its citations counted over all reports."""
    documents: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["doc_id"] in documents:
            documents[row["doc_id"]]["citations"] += row["citations"]
        else:
            documents[row["doc_id"]] = {
                **row,
                "type_code": row["type_code"] if row["type_code"] in known_types else None,
            }
    return list(documents.values())


def wide_table_specs(catalog: Catalog, metadata: Metadata) -> list[dict[str, Any]]:
    """Table Schemas of the report's wide tables, in the form of metadata/resources.yaml."""
    measures = {m["id"]: m for m in metadata.measures}
    specs = []
    for table in catalog.tables:
        fields = [
            {
                "name": "report_id",
                "type": "string",
                "required": True,
                "vi": "Mã báo cáo",
                "en": "Report id",
                "dvi": "Báo cáo nêu số liệu.",
                "den": "The report that states the figures.",
            },
            {
                "name": "indicator_id",
                "type": "string",
                "required": True,
                "vi": "Mã chỉ tiêu",
                "en": "Indicator id",
                "dvi": "Chỉ tiêu của dòng.",
                "den": "The row's indicator.",
            },
            {
                "name": "name_vi",
                "type": "string",
                "required": True,
                "vi": "Chỉ tiêu",
                "en": "Indicator (Vietnamese)",
                "dvi": "Tên chỉ tiêu tiếng Việt.",
                "den": "The indicator's name in Vietnamese.",
            },
            {
                "name": "name_en",
                "type": "string",
                "required": True,
                "vi": "Chỉ tiêu (tiếng Anh)",
                "en": "Indicator (English)",
                "dvi": "Tên chỉ tiêu tiếng Anh.",
                "den": "The indicator's name in English.",
            },
            {
                "name": "unit_id",
                "type": "string",
                "required": True,
                "vi": "Đơn vị",
                "en": "Unit",
                "dvi": "Đơn vị của chỉ tiêu; các cột giá trị được quy về đơn vị này.",
                "den": "The indicator's unit; value columns are converted to it.",
            },
        ]
        for column in table["columns"]:
            measure = measures[column["measure"]]
            fields.append(
                {
                    "name": column["measure"],
                    "type": "number",
                    "vi": column.get("title_vi", measure["name_vi"]),
                    "en": column.get("title_en", measure["name_en"]),
                    "dvi": measure["description_vi"] + " Giảm ghi số âm.",
                    "den": measure["description_en"] + " Decreases are negative.",
                }
            )
        specs.append(
            {
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
        )
    return specs


def wide_table_rows(
    spec: dict[str, Any], observations: list[dict[str, Any]], indicators: list[dict[str, Any]], metadata: Metadata
) -> list[dict[str, Any]]:
    from decimal import Decimal

    multiplier = {u.id: Decimal(str(u.multiplier)) for u in metadata.units}
    by_indicator = {i["indicator_id"]: i for i in indicators}
    in_indicator_unit = {m["id"] for m in metadata.measures if m["unit"] == "indicator"}
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for obs in observations:
        if obs["indicator_id"] not in spec["rows"] or obs["measure"] not in spec["columns"]:
            continue
        indicator = by_indicator[obs["indicator_id"]]
        value = obs["signed_value"]
        if obs["measure"] in in_indicator_unit:
            value = value * multiplier[obs["unit_id"]] / multiplier[indicator["unit_id"]]
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
    in_indicator_unit = {m["id"] for m in metadata.measures if m["unit"] == "indicator"}
    columns = []
    for measure in spec["columns"]:
        value = "o.signed_value * uo.multiplier / ui.multiplier" if measure in in_indicator_unit else "o.signed_value"
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


def _wide_specs(metadata: Metadata) -> list[dict[str, Any]]:
    specs = wide_table_specs(metadata.catalog, metadata)
    for spec in specs:
        spec["sql"] = wide_table_sql(spec, metadata)
    return specs


@dataclass
class RenderedReport:
    """One report as CSV lines of each resource, ready to be joined: what a worker sends back."""

    report_id: str
    path: Path
    parts: dict[str, bytes]
    counts: dict[str, int]
    report_row: dict[str, Any]
    legal_rows: list[dict[str, Any]]
    warnings: list[str]
    notes: list[str] = field(default_factory=list)


def render_report(
    report: Report, metadata: Metadata, specs: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> RenderedReport:
    rows = report_tables(report, metadata)
    prov = report.provenance
    in_period = [
        o
        for o in rows["observations"]
        if (str(o["period_start"]), str(o["period_end"])) == (str(prov["period_start"]), str(prov["period_end"]))
    ]
    for spec in specs:
        rows[spec["name"]] = wide_table_rows(spec, in_period, indicators, metadata)
    parts, counts = {}, {}
    every = all_specs(metadata, specs)
    check_required(rows, every, report.source.path)
    fields = {spec["name"]: [f["name"] for f in spec["fields"]] for spec in every}
    for name in (*PER_REPORT, *(spec["name"] for spec in specs)):
        parts[name], counts[name] = csv_bytes(fields[name], rows[name], name, header=False)
    return RenderedReport(
        report.report_id,
        report.source.path,
        parts,
        counts,
        rows["reports"][0],
        rows["legal_documents"],
        list(report.document.warnings),
        report_notes(report),
    )


def check_required(rows: dict[str, list[dict[str, Any]]], specs: list[dict[str, Any]], path: Path) -> None:
    """Every required cell filled, before anything is written: a build that exits 0 always validates."""
    for spec in specs:
        required = [f["name"] for f in spec["fields"] if f.get("required")]
        for row in rows.get(spec["name"], []):
            for name in required:
                if row.get(name) is None or row.get(name) == "":
                    key = ", ".join(str(row.get(k)) for k in spec.get("primary_key", [])[:2])
                    raise BaocaoError(f"resource {spec['name']!r} ({key}): required {name!r} is empty", path)


def report_notes(report: Report) -> list[str]:
    """What an officer should see about a report: its inferred provenance, and how the standard indicators fared."""
    notes = []
    prov = report.provenance
    if prov.get("inferred"):
        notes.append(
            f"no record in metadata/sources.yaml: provenance inferred from the text (to review): id {prov['id']}, "
            f"{prov['issuer_vi']}, {prov['province']}, {prov['period_start']} to {prov['period_end']}"
            + (f' ("{prov["period_phrase"]}")' if prov.get("period_phrase") else "")
            + f', "{prov["title_vi"]}"'
        )
    standard = [c for c in report.coverage if c.source == "standard"]
    if standard:
        counts = {s: sum(c.status == s for c in standard) for s in ("found", "not_found", "ambiguous")}
        ambiguous = ", ".join(f"{c.indicator_id}.{c.measure}" for c in standard if c.status == "ambiguous")
        notes.append(
            f"standard indicators: {counts['found']} found, {counts['not_found']} not found, "
            f"{counts['ambiguous']} ambiguous" + (f" ({ambiguous})" if ambiguous else "")
        )
    return notes


def _render_in_worker(path: Path) -> RenderedReport:
    metadata = _worker["metadata"]
    report = process(
        path,
        metadata,
        _worker["extractor"],
        _worker["curator"],
        overrides=_worker["overrides"],
        generic_only=_worker["generic_only"],
    )
    return render_report(report, metadata, _worker["specs"], _worker["indicators"])


def build_package(
    files: list[Path],
    out: Path,
    metadata: Metadata | None = None,
    re_record: bool = False,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    overrides: dict[str, str | None] | None = None,
    generic_only: bool = False,
) -> tuple[dict[str, Any], list[str], list[str]]:
    """Reports to a published data package, each report rendered as soon as it is read (in parallel when
    there are many), so that memory holds CSV text, not every row of every report. Returns the descriptor
    the parser's warnings and the notes on each report (inferred provenance, standard indicators found)."""
    metadata = metadata or Metadata()
    specs = _wide_specs(metadata)
    shared = shared_tables(metadata)
    paths_ = [Path(f) for f in files]
    workers = workers or os.cpu_count() or 1
    rendered: list[RenderedReport] = []

    def take(item: RenderedReport) -> None:
        rendered.append(item)
        if progress:
            progress(len(rendered), len(paths_))

    if len(paths_) >= PARALLEL_FROM and workers > 1 and not re_record:
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        with context.Pool(
            workers, _init_worker, (metadata.root, shared["indicators"], overrides or {}, generic_only)
        ) as pool:
            for item in pool.imap(_render_in_worker, paths_, chunksize=4):
                take(item)
    else:
        extractor, curator = Extractor(metadata), Curator(metadata)
        for path in paths_:
            take(
                render_report(
                    process(path, metadata, extractor, curator, re_record, overrides, generic_only),
                    metadata,
                    specs,
                    shared["indicators"],
                )
            )
    _check_ids([(item.report_id, item.path) for item in rendered])
    every = all_specs(metadata, specs)
    parts: dict[str, list[bytes]] = {spec["name"]: [] for spec in every}
    counts: dict[str, int] = dict.fromkeys(parts, 0)
    for item in rendered:
        for name, data in item.parts.items():
            parts[name].append(data)
            counts[name] += item.counts[name]
    tables_ = {**shared, "reports": [item.report_row for item in rendered]}
    tables_["legal_documents"] = merge_legal_documents(
        [row for item in rendered for row in item.legal_rows], {t["type_code"] for t in shared["document_types"]}
    )
    fields = {spec["name"]: [f["name"] for f in spec["fields"]] for spec in every}
    for name in (*SHARED, "legal_documents"):
        data, counts[name] = csv_bytes(fields[name], tables_[name], name, header=False)
        parts[name] = [data]
    descriptor = assemble_package(out, parts, counts, metadata, every, tables_)
    warnings = [f"{item.path}: {w}" for item in rendered for w in item.warnings]
    notes = [f"{item.path}: {note}" for item in rendered for note in item.notes]
    return descriptor, warnings, notes
