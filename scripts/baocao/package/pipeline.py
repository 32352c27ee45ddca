"""The pipeline from report files to the data package, orchestration only: read → parse → extract → statements
→ resolve (tables.py shapes the rows, wide.py the wide tables, package.py writes the package)."""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from baocao.core import paths
from baocao.core.errors import BaocaoError
from baocao.core.metadata import Metadata
from baocao.curation.checks import CheckResult
from baocao.curation.locate import Coverage, Curator, Observation
from baocao.figures.extract import Extractor
from baocao.package.codes import SHARED, shared_tables
from baocao.package.descriptor import all_specs, assemble_package, csv_bytes
from baocao.package.report import Report
from baocao.package.tables import PER_REPORT, check_required, merge_legal_documents, report_tables
from baocao.package.wide import wide_table_rows, wide_table_specs
from baocao.reading.parse import parse_document
from baocao.reading.provenance import provenance_for
from baocao.reading.read import read_source

REPORT_SUFFIXES = {".txt", ".docx", ".pdf"}


def default_sources(root: Path | None = None) -> list[Path]:
    """The reports in a folder: the project's sources/ by default."""
    root = root or paths.current().sources
    files = sorted(p for p in root.iterdir() if p.suffix.lower() in REPORT_SUFFIXES and not p.is_dir())
    if not files:
        raise BaocaoError("no report files (*.txt, *.docx, *.pdf)", root)
    return files


def process(
    path: Path,
    metadata: Metadata,
    extractor: Extractor,
    curator: Curator | None,
    overrides: dict[str, str | None] | None = None,
    generic_only: bool = False,
) -> Report:
    from baocao.curation.typed import read_document, resolve_report, section_headings

    source = read_source(path)
    document = parse_document(source.text, path)
    provenance = provenance_for(path, metadata, source, document, overrides)
    if source.sha256 != provenance["sha256"]:  # an inferred record has the file's own checksum
        raise BaocaoError(
            f"sha256 {source.sha256[:12]}… does not match metadata/sources.yaml ({provenance['sha256'][:12]}…); "
            "if the report was deliberately replaced, record it with `baocao record FILE`",
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
        observations = observations + resolve_report(
            statements, mentions, observations, provenance, metadata, sources, section_headings(document)
        )
        checks = curator.checks([o for o in observations if o.period_start is None], None if generic_only else layout)
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
        specs=wide_table_specs(metadata),
        indicators=indicators,
    )
    # what a worker keeps for its life is never garbage; reports make many short-lived objects
    gc.freeze()
    gc.set_threshold(50_000, 50, 50)


def run(
    files: list[Path],
    metadata: Metadata | None = None,
    curate: bool = True,
    overrides: dict[str, str | None] | None = None,
    generic_only: bool = False,
) -> list[Report]:
    """Read, parse, extract and (with ``curate``) find the observations of each report, in one process."""
    metadata = metadata or Metadata(paths.current().metadata)
    extractor = Extractor(metadata)
    curator = Curator(metadata) if curate else None
    reports = [process(Path(f), metadata, extractor, curator, overrides, generic_only) for f in files]
    _check_ids([(r.report_id, r.source.path) for r in reports])
    return reports


def _check_ids(ids: list[tuple[str, Path]]) -> None:
    seen: dict[str, Path] = {}
    for report_id, path in ids:
        if report_id in seen:
            raise BaocaoError(f"report id {report_id!r} is claimed by {seen[report_id].name} too", path)
        seen[report_id] = path


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
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    overrides: dict[str, str | None] | None = None,
    generic_only: bool = False,
) -> tuple[dict[str, Any], list[str], list[str]]:
    """Reports to a published data package, each report rendered as soon as it is read (in parallel when
    there are many), so that memory holds CSV text, not every row of every report. Returns the descriptor
    the parser's warnings and the notes on each report (inferred provenance, standard indicators found)."""
    metadata = metadata or Metadata(paths.current().metadata)
    specs = wide_table_specs(metadata)
    shared = shared_tables(metadata)
    paths_ = [Path(f) for f in files]
    workers = workers or os.cpu_count() or 1
    rendered: list[RenderedReport] = []

    def take(item: RenderedReport) -> None:
        rendered.append(item)
        if progress:
            progress(len(rendered), len(paths_))

    if len(paths_) >= PARALLEL_FROM and workers > 1:
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
                    process(path, metadata, extractor, curator, overrides, generic_only),
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
