"""The real-text development set: texts published on the web, kept outside git, scored against facts written
for them before the reader ran on them (eval/real/README.md).

Each ``NAME.yaml`` of the facts folder is scored on ``NAME.txt`` of the texts folder. A fact is right
*strictly* when a published observation has its indicator, measure, period, value and unit, and *loosely*
when it has all but the period. Provenance is right, asked (the reader stopped and named the flag it needs:
the text is then read again with the flag the facts give, as a publisher would) or wrong. Each missed fact is
traced to the statement of its printed number, so that the reasons that cost the most recall are visible.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from baocao.core.errors import BaocaoError
from baocao.core.metadata import Metadata, load_yaml
from baocao.evaluation.evaluate import SAME_UNIT, _date, standard_ids

_ASKED = re.compile(r"give it with (--province|--period)")
# the measures the facts' writers were asked to record (README.md): observations of others (a plan, an estimate,
# the total of an a/b, a maximum score) are counted apart, not scored
SCORED_MEASURES = frozenset(
    "value change_pct change_pct_previous_month change_pct_previous_quarter change_pct_start_of_year "
    "change_pct_base_period change_pct_previous_year pct_of_plan pct_of_estimate pct_of_central_estimate "
    "pct_of_target pct_of_same_period share_pct contribution_pp contribution_share_pct rank change_abs".split()
)


@dataclass
class RealScore:
    name: str
    facts: int
    observations: int = 0
    right: int = 0
    right_loose: int = 0
    provenance: str = "right"  # right | asked | wrong
    provenance_notes: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    causes: Counter = field(default_factory=Counter)  # why facts were missed
    error: str | None = None
    changed: bool = False  # the text's sha256 is not the one the facts were written on
    unplaced: list[str] = field(default_factory=list)  # printed numbers not found in the text
    other: int = 0  # observations of measures the facts do not record: not scored


def _key(indicator: str, measure: str, start: str, end: str, value: Decimal, unit: str) -> tuple:
    if measure == "change_pct_previous_year" and start[5:] == "01-01" and end[5:] == "12-31" and start[:4] == end[:4]:
        measure = "change_pct"  # over a whole year, the same period of the previous year is the previous year
    return (indicator, measure, start, end, value.normalize(), SAME_UNIT.get(unit, unit))


def _loose(key: tuple) -> tuple:
    return key[:2] + key[4:]


def read_sources(folder: Path) -> dict[str, dict[str, str]]:
    """The rows of SOURCES.md's table by name: title, address, province, period, kind, length, sha256."""
    path = folder / "SOURCES.md"
    rows: dict[str, dict[str, str]] = {}
    if not path.exists():
        return rows
    header: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if header is None:
            header = [c.lower() for c in cells]
            continue
        row = dict(zip(header, cells, strict=False))
        rows[row.get("name", "")] = row
    return rows


def _fact_mention(fact: dict[str, Any], report: Any) -> int | None:
    """The index of the mention the fact's printed number is, by its occurrence among equal printed numbers."""
    printed = str(fact.get("printed", ""))
    same = [i for i, m in enumerate(report.mentions) if m.value_text == printed]
    if not same:
        return None
    nth = int(fact.get("nth", 1))
    return same[min(nth, len(same)) - 1]


def _cause(fact_key: tuple, index: int | None, report: Any, published: dict[tuple, Any]) -> str:
    """Why a fact was missed: what the reader made of its number."""
    if index is None:
        return "number not read"
    statement = next((s for s in report.statements if s.mention_index == index), None)
    observed = [k for k, o in published.items() if o.mention_index == index]
    if observed:
        got = observed[0]
        for position, what in ((0, "indicator"), (1, "measure"), (2, "period"), (4, "value")):
            if got[position] != fact_key[position] or (position == 2 and got[3] != fact_key[3]):
                return f"wrong {what}"
        return "wrong unit"
    if statement is None:
        return "no statement"
    if statement.target:
        return "read as a target"
    return f"{statement.resolution}: {statement.reason or '-'}"


def _run(text: Path, expected: dict[str, Any], metadata: Metadata) -> tuple[Any, str, list[str]]:
    from baocao.package.pipeline import run

    try:
        [report] = run([text], metadata, generic_only=True)
    except BaocaoError as error:
        asked = _ASKED.search(str(error))
        if not asked:
            raise
        start, end = (_date(d) for d in expected["period"])
        overrides = {"province": expected["province"], "period": f"{start}/{end}"}
        [report] = run([text], metadata, generic_only=True, overrides=overrides)
        return report, "asked", [f"asked {asked.group(1)}"]
    prov = report.provenance
    start, end = (_date(d) for d in expected["period"])
    notes = []
    if prov["province"] != expected["province"]:
        notes.append(f"province {prov['province']!r}, expected {expected['province']!r}")
    if (prov["period_start"], prov["period_end"]) != (start, end):
        notes.append(f"period {prov['period_start']}–{prov['period_end']}, expected {start}–{end}")
    return report, "wrong" if notes else "right", notes


def score_text(facts_file: Path, text: Path, metadata: Metadata, sha256: str | None) -> RealScore:
    expected = load_yaml(facts_file)
    start, end = (_date(d) for d in expected["period"])
    facts: dict[tuple, dict[str, Any]] = {}
    for fact in expected.get("facts") or []:
        period = [_date(d) for d in fact.get("period", [start, end])]
        facts[_key(fact["indicator"], fact["measure"], *period, Decimal(str(fact["value"])), fact["unit"])] = fact
    raw = text.read_bytes()
    score = RealScore(facts_file.stem, len(facts), changed=bool(sha256) and hashlib.sha256(raw).hexdigest() != sha256)
    content = raw.decode("utf-8", errors="replace")
    score.unplaced = [
        str(f["printed"]) for f in facts.values() if content.count(str(f.get("printed", "\0"))) < int(f.get("nth", 1))
    ]
    try:
        report, score.provenance, score.provenance_notes = _run(text, expected, metadata)
    except BaocaoError as error:
        score.error = str(error)
        score.causes["text refused"] += len(facts)
        return score
    scope = standard_ids(metadata) | {k[0] for k in facts}
    published: dict[tuple, Any] = {}
    for o in report.observations:
        if o.indicator_id in scope and o.measure not in SCORED_MEASURES:
            score.other += 1
        elif o.indicator_id in scope:
            period = (
                o.period_start or report.provenance["period_start"],
                o.period_end or report.provenance["period_end"],
            )
            published[_key(o.indicator_id, o.measure, *period, o.value, o.unit_id)] = o
    score.observations = len(published)
    right = set(facts) & set(published)
    score.right = len(right)
    loose_published = Counter(_loose(k) for k in published)
    loose_facts = Counter(_loose(k) for k in facts)
    score.right_loose = sum((loose_published & loose_facts).values())
    for key in sorted(set(facts) - right, key=str):
        cause = _cause(key, _fact_mention(facts[key], report), report, published)
        score.causes[cause] += 1
        score.missed.append(f"{' '.join(map(str, key))} [{facts[key].get('printed')}]: {cause}")
    score.wrong = [
        f"{' '.join(map(str, k))}: {published[k].quote[:100]}" for k in sorted(set(published) - right, key=str)
    ]
    return score


def evaluate_real(facts_folder: Path, texts_folder: Path, metadata: Metadata) -> tuple[list[RealScore], list[str]]:
    """Scores of every text present, and the names whose text is missing."""
    names = sorted(p.stem for p in facts_folder.glob("*.yaml"))
    if not names:
        raise BaocaoError("no facts files (NAME.yaml)", facts_folder)
    sources = read_sources(facts_folder)
    scores, missing = [], []
    for name in names:
        text = texts_folder / f"{name}.txt"
        if not text.is_file():
            missing.append(name)
            continue
        scores.append(score_text(facts_folder / f"{name}.yaml", text, metadata, sources.get(name, {}).get("sha256")))
    return scores, missing


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def real_lines(scores: list[RealScore], missing: list[str], texts: Path, verbose: bool = False) -> list[str]:
    """The table of the real-text set: per text, strict and loose recall and precision, provenance; then
    overall, the causes of missed facts by their cost, and the texts not present."""
    lines = [
        f"{'text':34} {'facts':>5} {'obs':>4} {'right':>5} {'recall':>7} {'prec':>7} {'loose r':>7} {'loose p':>7}  "
        "provenance"
    ]
    for s in scores:
        note = s.error or "; ".join([s.provenance, *s.provenance_notes])
        flags = (" (text changed)" if s.changed else "") + (f" (not in text: {s.unplaced})" if s.unplaced else "")
        lines.append(
            f"{s.name:34} {s.facts:5} {s.observations:4} {s.right:5} {_share(s.right, s.facts):>7} "
            f"{_share(s.right, s.observations):>7} {_share(s.right_loose, s.facts):>7} "
            f"{_share(s.right_loose, s.observations):>7}  {note}{flags}"
        )
        if verbose:
            lines += [f"    missed  {item}" for item in s.missed] + [f"    wrong   {item}" for item in s.wrong]
    facts, observations = sum(s.facts for s in scores), sum(s.observations for s in scores)
    right, loose = sum(s.right for s in scores), sum(s.right_loose for s in scores)
    kinds = Counter(s.provenance if not s.error else "refused" for s in scores)
    lines.append(
        f"{'overall':34} {facts:5} {observations:4} {right:5} "
        f"{_share(right, facts):>7} {_share(right, observations):>7} "
        f"{_share(loose, facts):>7} {_share(loose, observations):>7}  "
        f"provenance: {kinds['right']} right, {kinds['asked']} asked, {kinds['wrong']} wrong"
        + (f", {kinds['refused']} refused" if kinds["refused"] else "")
    )
    lines.append(
        f"{sum(s.other for s in scores)} observations of measures the facts do not record (plan, estimate, total …)"
    )
    causes = sum((s.causes for s in scores), Counter())
    if causes:
        lines.append("facts missed, by cause:")
        lines += [f"  {count:4}  {cause}" for cause, count in causes.most_common(12)]
    if missing:
        lines.append(f"{len(missing)} text(s) missing from {texts}: {', '.join(missing)}")
    return lines
