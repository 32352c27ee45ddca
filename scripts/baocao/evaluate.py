"""The evaluation set: reports written for the project beside the facts a careful reader takes from them.

Each report is read with the generic reading only (no report-specific locator) and no
provenance record; its observations are compared with its expected facts (eval/README.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from baocao.errors import BaocaoError
from baocao.metadata import Metadata, load_yaml


@dataclass
class Score:
    name: str
    facts: int
    observations: int
    right: int
    provenance: list[str] = field(default_factory=list)  # what was read wrong of province and period
    missed: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def recall(self) -> float:
        return self.right / self.facts if self.facts else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.observations if self.observations else 1.0


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _key(indicator: str, measure: str, start: str, end: str, value: Decimal, unit: str) -> tuple:
    return (indicator, measure, start, end, value.normalize(), unit)


def score_report(text_file: Path, metadata: Metadata) -> Score:
    from baocao.pipeline import run

    expected = load_yaml(text_file.with_suffix(".yaml"))
    start, end = (_date(d) for d in expected["period"])
    facts = set()
    for fact in expected.get("facts") or []:
        period = [_date(d) for d in fact.get("period", [start, end])]
        value = Decimal(str(fact["value"]))
        facts.add(_key(fact["indicator"], fact["measure"], *period, value, fact["unit"]))
    try:
        [report] = run([text_file], metadata, generic_only=True)
    except BaocaoError as error:
        return Score(text_file.stem, len(facts), 0, 0, error=str(error))
    prov = report.provenance
    provenance = []
    if prov["province"] != expected["province"]:
        provenance.append(f"province {prov['province']!r}, expected {expected['province']!r}")
    if (prov["period_start"], prov["period_end"]) != (start, end):
        provenance.append(f"period {prov['period_start']}–{prov['period_end']}, expected {start}–{end}")
    published = {}
    for o in report.observations:
        key = _key(o.indicator_id, o.measure, o.period_start or start, o.period_end or end, o.value, o.unit_id)
        published[key] = o
    right = facts & set(published)
    score = Score(text_file.stem, len(facts), len(published), len(right), provenance)
    score.missed = [" ".join(map(str, k)) for k in sorted(facts - right, key=str)]
    score.wrong = [
        f"{' '.join(map(str, k))}: {published[k].quote[:90]}" for k in sorted(set(published) - right, key=str)
    ]
    return score


def evaluate(folder: Path, metadata: Metadata) -> list[Score]:
    files = sorted(p for p in folder.glob("*.txt") if p.with_suffix(".yaml").exists())
    if not files:
        raise BaocaoError("no evaluation reports (NAME.txt beside NAME.yaml)", folder)
    return [score_report(f, metadata) for f in files]
