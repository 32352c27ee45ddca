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

from baocao.core.errors import BaocaoError
from baocao.core.metadata import Metadata, load_yaml


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
    other: int = 0  # observations of indicators outside the standard vocabulary: not scored

    @property
    def recall(self) -> float:
        return self.right / self.facts if self.facts else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.observations if self.observations else 1.0


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


# percentage points and percent, and a per-person unit and its money unit, are one unit for the facts: the
# indicator and measure say which is meant
SAME_UNIT = {"diem_phan_tram": "percent", "trieu_dong_per_nguoi": "trieu_dong", "usd_per_nguoi": "usd"}


def _key(indicator: str, measure: str, start: str, end: str, value: Decimal, unit: str) -> tuple:
    return (indicator, measure, start, end, value.normalize(), SAME_UNIT.get(unit, unit))


def score_report(text_file: Path, metadata: Metadata) -> Score:
    from baocao.package.pipeline import run

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
    # the facts are those of the standard vocabulary (metadata/vocabulary.yaml): an observation of another
    # indicator (one a province's reports define) is counted apart, not scored
    scope = standard_ids(metadata) | {fact[0] for fact in facts}
    published = {}
    other = sum(1 for o in report.observations if o.indicator_id not in scope)
    for o in (o for o in report.observations if o.indicator_id in scope):
        key = _key(o.indicator_id, o.measure, o.period_start or start, o.period_end or end, o.value, o.unit_id)
        published[key] = o
    right = facts & set(published)
    score = Score(text_file.stem, len(facts), len(published), len(right), provenance, other=other)
    score.missed = [" ".join(map(str, k)) for k in sorted(facts - right, key=str)]
    score.wrong = [
        f"{' '.join(map(str, k))}: {published[k].quote[:90]}" for k in sorted(set(published) - right, key=str)
    ]
    return score


def standard_ids(metadata: Metadata) -> set[str]:
    """The indicators of the standard vocabulary, metadata/vocabulary.yaml."""
    path = metadata.root / "vocabulary.yaml"
    return {item["id"] for item in metadata.load_file(path, "vocabulary")["indicators"]} if path.exists() else set()


def evaluate(folder: Path, metadata: Metadata) -> list[Score]:
    files = sorted(p for p in folder.glob("*.txt") if p.with_suffix(".yaml").exists())
    if not files:
        raise BaocaoError("no evaluation reports (NAME.txt beside NAME.yaml)", folder)
    return [score_report(f, metadata) for f in files]


@dataclass
class Agreement:
    """The generic reading of a report beside what its own locators find there."""

    name: str
    part: str
    figures: int  # figures the locators publish as observations of the report's period
    right_measure: int  # … whose statement, read without locators, has the same measure
    right_indicator: int  # … published by the generic reading with the same indicator and measure
    disagree: int  # generic observations whose indicator or measure differs from the locators'

    def line(self) -> str:
        share = (lambda n: f"{n / self.figures:.1%}") if self.figures else (lambda n: "-")
        return (
            f"{self.name} part {self.part}: {self.figures} figures found by its locators; generic reading: "
            f"right measure {self.right_measure} ({share(self.right_measure)}), right indicator and measure "
            f"{self.right_indicator} ({share(self.right_indicator)}), {self.disagree} observations that disagree"
        )


def agreement(source: Path, metadata: Metadata, part: str = "I") -> Agreement:
    """Read ``source`` twice, with its locators and with the generic reading only, and compare the figures
    of sections under heading ``part`` (the report's own observations stand for the truth)."""
    from baocao.package.pipeline import run

    [curated] = run([source], metadata)
    [generic] = run([source], metadata, generic_only=True)

    def in_part(section_id: str) -> bool:
        return section_id.split(".")[0] == part

    truth = {o.mention_index: o for o in curated.observations if in_part(o.section_id) and o.period_start is None}
    measures = {s.mention_index: s.measure for s in generic.statements}
    found: dict[int, set[tuple[str, str]]] = {}
    for o in generic.observations:
        if in_part(o.section_id):
            found.setdefault(o.mention_index, set()).add((o.indicator_id, o.measure))
    right_measure = sum(1 for i, o in truth.items() if measures.get(i) == o.measure)
    right = sum(1 for i, o in truth.items() if (o.indicator_id, o.measure) in found.get(i, set()))
    disagree = sum(
        1
        for i, pairs in found.items()
        for pair in pairs
        if i not in truth or pair != (truth[i].indicator_id, truth[i].measure)
    )
    return Agreement(source.name, part, len(truth), right_measure, right, disagree)
