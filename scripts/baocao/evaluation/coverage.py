"""Which figures of a report the observations cover: for review, and to aim for every figure of Part I."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from baocao.core.metadata import Metadata
from baocao.curation.catalog import load_catalog
from baocao.curation.locate import Curator
from baocao.figures.extract import Mention
from baocao.package.pipeline import run
from baocao.reading.parse import Document


def in_scope(document: Document, mention: Mention) -> bool:
    """Part I (its sections and the footnotes linked to them), quantities only."""
    section = document.section(mention.section_id)
    while section.kind == "footnote" and section.parent_id:
        section = document.section(section.parent_id)
    return mention.kind == "quantity" and (section.section_id == "I" or section.section_id.startswith("I."))


def figure_coverage(
    source: Path, sections: tuple[str, ...] = (), files: list[Path] | None = None, metadata: Metadata | None = None
) -> tuple[list[dict[str, Any]], str]:
    metadata = metadata or Metadata()
    [report] = run([source], metadata, curate=False)
    curator = Curator(metadata, load_catalog(metadata, files))
    texts = {s.section_id: s.text for s in report.document.sections}
    observations = curator.observations(texts, report.mentions, str(source), report.report_id)
    used = {(o.section_id, o.value_start) for o in observations}
    rows = []
    for mention in report.mentions:
        if not in_scope(report.document, mention) or (sections and mention.section_id not in sections):
            continue
        text = texts[mention.section_id]
        context = text[max(mention.quote_start, mention.value_start - 60) : mention.value_end + 30].replace("\n", " ")
        rows.append(
            {
                "section_id": mention.section_id,
                "value_text": mention.value_text,
                "unit_id": mention.unit_id,
                "covered": (mention.section_id, mention.value_start) in used,
                "context": context,
            }
        )
    covered = sum(r["covered"] for r in rows)
    share = 100 * covered / len(rows) if rows else 100.0
    return rows, f"{covered} of {len(rows)} figures covered ({share:.1f}%)"
