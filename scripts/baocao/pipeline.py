"""The pipeline from report files to the tables of the data package (read → parse → extract → package)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from baocao import paths
from baocao.errors import BaocaoError
from baocao.extract import Extractor, Mention
from baocao.legal import LegalDocument
from baocao.metadata import Metadata
from baocao.parse import Document, parse_document
from baocao.read import Source, read_source
from baocao.text import sentence_spans

REPORT_SUFFIXES = {".txt"}


@dataclass
class Report:
    report_id: str
    provenance: dict[str, Any]
    source: Source
    document: Document
    mentions: list[Mention]
    legal: list[LegalDocument]


def default_sources(root: Path = paths.SOURCES) -> list[Path]:
    files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES)
    if not files:
        raise BaocaoError("no report files (*.txt)", root)
    return files


def provenance_for(path: Path, metadata: Metadata) -> dict[str, Any]:
    matches = [r for r in metadata.sources if r["file"] == path.name]
    if not matches:
        raise BaocaoError(f"no provenance record for {path.name!r} in metadata/sources.yaml", path)
    return matches[0]


def process(path: Path, metadata: Metadata, extractor: Extractor) -> Report:
    source = read_source(path)
    document = parse_document(source.text, path)
    provenance = provenance_for(path, metadata)
    if source.sha256 != provenance["sha256"]:
        raise BaocaoError(
            f"sha256 {source.sha256[:12]}… does not match metadata/sources.yaml ({provenance['sha256'][:12]}…); "
            "if the report was deliberately replaced, record its new checksum there",
            path,
        )
    return Report(
        report_id=provenance["id"],
        provenance=provenance,
        source=source,
        document=document,
        mentions=extractor.document_mentions(document),
        legal=extractor.legal_documents(document),
    )


def run(files: list[Path], metadata: Metadata | None = None) -> list[Report]:
    metadata = metadata or Metadata()
    extractor = Extractor(metadata)
    reports = [process(Path(f), metadata, extractor) for f in files]
    seen: dict[str, Path] = {}
    for report in reports:
        if report.report_id in seen:
            raise BaocaoError(
                f"report id {report.report_id!r} is claimed by {seen[report.report_id].name} too", report.source.path
            )
        seen[report.report_id] = report.source.path
    return reports


def tables(reports: list[Report], metadata: Metadata) -> dict[str, list[dict[str, Any]]]:
    titles = metadata.section_titles
    out: dict[str, list[dict[str, Any]]] = {
        name: []
        for name in (
            "reports",
            "sections",
            "footnotes",
            "units",
            "statuses",
            "mentions",
            "document_types",
            "legal_documents",
            "legal_citations",
        )
    }
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

    documents: dict[str, dict[str, Any]] = {}
    for report in reports:
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
                "page_breaks_repaired": len(doc.repairs),
                "duplicate_section_numbers": "; ".join(
                    f"{number}: {', '.join(sid(i) for i in ids)}" for number, ids in doc.duplicate_numbers
                )
                or None,
            }
        )
    out["legal_documents"] = list(documents.values())
    known_types = {t["type_code"] for t in out["document_types"]}
    for row in out["legal_documents"]:
        if row["type_code"] not in known_types:
            row["type_code"] = None
    return out
