"""One report as the stages leave it: its provenance, source, document, figures, observations and checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from baocao.curation.checks import CheckResult
from baocao.curation.observation import Observation
from baocao.figures.extract import Mention
from baocao.reading.legal import LegalDocument
from baocao.reading.parse import Document
from baocao.reading.read import Source


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
