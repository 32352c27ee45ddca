"""Rows of one report in each per-report resource of the package (codes.py: the rows every report shares)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baocao.core.errors import BaocaoError
from baocao.core.labels import labels
from baocao.core.metadata import Metadata
from baocao.core.text import sentence_spans
from baocao.curation.catalog import catalog_of

if TYPE_CHECKING:
    from pathlib import Path

    from baocao.package.report import Report

Rows = list[dict[str, Any]]

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


class _Ids:
    """The ids one report's rows give and refer to."""

    def __init__(self, report: Report):
        self.rid = report.report_id
        self.mention = {i: f"{self.rid}/m{i + 1:05d}" for i in range(len(report.mentions))}

    def section(self, local: str | None) -> str | None:
        return f"{self.rid}/{local}" if local else None


def report_tables(report: Report, metadata: Metadata) -> dict[str, Rows]:
    """One report's rows of every per-report resource, and its cited documents (legal_documents)."""
    ids = _Ids(report)
    citations, documents = _legal(report, ids)
    return {
        "reports": [_report_row(report, ids)],
        "sections": _sections(report, metadata, ids),
        "footnotes": _footnotes(report, ids),
        "mentions": _mentions(report, ids),
        "statements": _statements(report, ids),
        "legal_citations": citations,
        "observations": _observations(report, metadata, ids),
        "checks": _checks(report, ids),
        "coverage": _coverage(report),
        "legal_documents": documents,
    }


def _section_titles(kind: str, number: str, title: str, metadata: Metadata) -> tuple[str, str | None]:
    """A section's title in both languages; parts of a report with no heading take theirs from labels.yaml."""
    names = labels(metadata)["sections"]
    if kind in names:
        return names[kind]["vi"].format(number=number), names[kind]["en"].format(number=number)
    return title, metadata.section_titles.get(title)


def _sections(report: Report, metadata: Metadata, ids: _Ids) -> Rows:
    rows = []
    for position, section in enumerate(report.document.sections, start=1):
        title, title_en = _section_titles(section.kind, section.number, section.title, metadata)
        rows.append(
            {
                "section_id": ids.section(section.section_id),
                "report_id": ids.rid,
                "kind": section.kind,
                "number": section.number or None,
                "occurrence": section.occurrence,
                "title": title,
                "title_en": title_en,
                "level": section.level,
                "parent_id": ids.section(section.parent_id),
                "position": position,
                "source_line": section.line,
                "text": section.text,
            }
        )
    return rows


def _footnotes(report: Report, ids: _Ids) -> Rows:
    return [
        {
            "footnote_id": f"{ids.rid}/fn{note.number}",
            "report_id": ids.rid,
            "number": note.number,
            "section_id": ids.section(note.section_id),
            "marker_offset": note.marker_offset,
            "text_section_id": f"{ids.rid}/fn{note.number}",
            "text": note.text,
            "source_line": note.line,
        }
        for note in report.document.footnotes
    ]


def _mentions(report: Report, ids: _Ids) -> Rows:
    return [
        {
            "mention_id": ids.mention[index],
            "report_id": ids.rid,
            "section_id": ids.section(mention.section_id),
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
        for index, mention in enumerate(report.mentions)
    ]


def obs_id(report_id: str, observation: Any) -> str:
    """report/indicator/measure, and the period where it is not the report's (a month, a date)."""
    base = f"{report_id}/{observation.indicator_id}/{observation.measure}"
    return f"{base}/{observation.period_start}_{observation.period_end}" if observation.period_start else base


def _observations(report: Report, metadata: Metadata, ids: _Ids) -> Rows:
    indicators, prov, rid = catalog_of(metadata).indicators, report.provenance, ids.rid
    return [
        {
            "obs_id": obs_id(rid, o),
            "report_id": rid,
            "indicator_id": o.indicator_id,
            "topic_id": indicators[o.indicator_id].topic,
            "measure": o.measure,
            "value": o.value,
            "value_text": o.value_text,
            "unit_id": o.unit_id,
            "obs_status": o.obs_status,
            "qualifier": o.qualifier,
            "change_direction": o.direction,
            "signed_value": o.signed_value,
            "ref_date": o.ref_date,
            "period_start": o.period_start or prov["period_start"],
            "period_end": o.period_end or prov["period_end"],
            "section_id": ids.section(o.section_id),
            "quote": o.quote,
            "quote_start": o.quote_start,
            "quote_end": o.quote_end,
            "value_start": o.value_start,
            "value_end": o.value_end,
            "mention_id": ids.mention[o.mention_index],
            "correction": o.correction,
            "check_status": ("fail" if o.failed_checks else "pass") if o.checked else None,
            "failed_checks": " ".join(f"{rid}/{c}" for c in o.failed_checks) or None,
        }
        for o in report.observations
    ]


def _statements(report: Report, ids: _Ids) -> Rows:
    obs_of_mention = {o.mention_index: obs_id(ids.rid, o) for o in report.observations}
    rows = []
    for statement in report.statements:
        mention = report.mentions[statement.mention_index]
        rows.append(
            {
                "statement_id": ids.mention[statement.mention_index],
                "report_id": ids.rid,
                "section_id": ids.section(statement.section_id),
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
    return rows


def _checks(report: Report, ids: _Ids) -> Rows:
    rid = ids.rid
    return [
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
        for check in report.checks
    ]


def _legal(report: Report, ids: _Ids) -> tuple[Rows, Rows]:
    """The report's citations (legal_citations), each with its sentence, and its cited documents, each once."""
    documents: dict[str, dict[str, Any]] = {}
    citations: Rows = []
    for legal in report.legal:
        row = documents.setdefault(
            legal.doc_id,
            {
                "doc_id": legal.doc_id,
                "symbol": legal.symbol,
                "type_code": legal.type_code,
                "number": legal.number,
                "year": legal.year,
                "issuer_code": legal.issuer_code,
                "issuer_text": legal.issuer_text,
                "date": legal.date,
                "citations": 0,
            },
        )
        row["citations"] += len(legal.citations)
        for citation in legal.citations:
            text = report.document.section(citation.section_id).text
            start, end = next(
                ((s, e) for s, e in sentence_spans(text) if s <= citation.start < e), (citation.start, citation.end)
            )
            citations.append(
                {
                    "citation_id": f"{ids.rid}/c{len(citations) + 1:04d}",
                    "doc_id": legal.doc_id,
                    "report_id": ids.rid,
                    "section_id": ids.section(citation.section_id),
                    "citation": citation.text,
                    "citation_start": citation.start,
                    "citation_end": citation.end,
                    "quote": text[start:end],
                    "quote_start": start,
                    "quote_end": end,
                }
            )
    return citations, list(documents.values())


def _report_row(report: Report, ids: _Ids) -> dict[str, Any]:
    doc, prov = report.document, report.provenance
    duplicates = "; ".join(f"{n}: {', '.join(ids.section(i) for i in found)}" for n, found in doc.duplicate_numbers)
    return {
        "report_id": ids.rid,
        "title": prov["title_vi"],
        "title_en": prov["title_en"],
        "document_type": doc.header.get("document_type"),
        "document_symbol": prov.get("document_symbol") or doc.header.get("document_symbol"),
        "issuer": prov["issuer_vi"],
        "issuer_en": prov["issuer_en"],
        "addressee": prov.get("addressee_vi"),  # a press release or an article has none
        "addressee_en": prov.get("addressee_en"),
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
        "duplicate_section_numbers": duplicates or None,
    }


def _coverage(report: Report) -> Rows:
    rows = []
    for item in report.coverage:
        key = f"{report.report_id}/{item.indicator_id}/{item.measure}"
        rows.append(
            {
                "coverage_id": key,
                "report_id": report.report_id,
                "indicator_id": item.indicator_id,
                "measure": item.measure,
                "source": item.source,
                "status": item.status,
                "candidates": item.candidates,
                # the observation's own id: a period of its clause, not the report's, is part of it
                "obs_id": obs_id(report.report_id, item.observation) if item.observation is not None else None,
            }
        )
    return rows


def merge_legal_documents(rows: Rows, known_types: set[str]) -> Rows:
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


def check_required(rows: dict[str, Rows], specs: list[dict[str, Any]], path: Path) -> None:
    """Every required cell filled, before anything is written: a build that exits 0 always validates."""
    for spec in specs:
        table = rows.get(spec["name"], [])
        for name in (f["name"] for f in spec["fields"] if f.get("required")):
            values = [row.get(name) for row in table]
            if None in values or "" in values:
                row = table[next(i for i, v in enumerate(values) if v is None or v == "")]
                key = ", ".join(str(row.get(k)) for k in spec.get("primary_key", [])[:2])
                raise BaocaoError(f"resource {spec['name']!r} ({key}): required {name!r} is empty", path)
