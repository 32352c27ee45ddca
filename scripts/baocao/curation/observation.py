"""What a locator finds: one observation of a report, and how each (indicator, measure) was looked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Observation:
    indicator_id: str
    measure: str
    value: Decimal
    value_text: str
    unit_id: str
    obs_status: str
    qualifier: str | None
    direction: str | None
    ref_date: str | None
    section_id: str
    quote: str
    quote_start: int
    quote_end: int
    value_start: int
    value_end: int
    mention_index: int | None
    correction: str | None = None
    failed_checks: list[str] = field(default_factory=list)
    checked: bool = False
    period_start: str | None = None  # None: the report's period
    period_end: str | None = None

    @property
    def signed_value(self) -> Decimal:
        return -self.value if self.direction == "decrease" else self.value


@dataclass
class Coverage:
    """How one (indicator, measure) was looked for in a report."""

    indicator_id: str
    measure: str
    source: str  # report (a locator written for the report) or standard
    status: str  # found, not_found, ambiguous
    candidates: int
    observation: Observation | None
