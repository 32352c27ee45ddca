"""Stage 5, resolve: statements matched by their words to the vocabulary (metadata/vocabulary.yaml and
metadata/vocabulary/).

A subject is compared with each indicator's names after folding (tone placement, đ, case,
punctuation, period words): the longest name found as a run of words in the subject wins;
failing that, a name whose words all stand in the subject; failing that, in the subject
together with its sentence's first subject ("năng suất" in a sentence about "lúa"). A name
is only taken if the indicator may have the statement's measure and unit. Two indicators
tied on the longest name, or one indicator given two different values for the same measure
and period, leave the figures ambiguous: a wrong indicator is worse than none.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from baocao.core.errors import BaocaoError
from baocao.core.normalize import fold_key

if TYPE_CHECKING:
    from baocao.figures.statements import Statement

RATIO_MEASURES = {
    "change_pct",
    "change_pct_previous_month",
    "change_pct_start_of_year",
    "change_pct_previous_quarter",
    "change_pct_base_period",
    "contribution_share_pct",
    "pct_of_same_period",
    "pct_of_plan",
    "pct_of_estimate",
    "pct_of_central_estimate",
    "pct_of_scenario",
    "pct_of_target",
    "pct_of_total",
    "share_pct",
}


_BORROWING_WORDS = 10  # folded words of a subject that may still take its sentence's subject as context


@dataclass
class Term:
    indicator_id: str
    names: list[tuple[str, ...]]
    vetoes: list[tuple[str, ...]]
    measures: set[str]
    share_is_value: bool
    code: str | None
    stock: bool = False
    unit: str = ""
    base_unit: str = ""
    quantity: str | None = None
    alone: frozenset[tuple[str, ...]] = frozenset()  # names taken only if no veto stands in the frame either


@dataclass
class Vocabulary:
    terms: list[Term] = field(default_factory=list)

    def by_id(self) -> dict[str, Term]:
        return {t.indicator_id: t for t in self.terms}


def _words(text: str) -> tuple[str, ...]:
    return tuple(fold_key(text).split())


def _name(name: str) -> tuple[str, ...]:
    """A name's words as a subject's are read: without the period and filler words a subject loses."""
    from baocao.figures.subjects import clean_subject

    return _words(clean_subject(name)) or _words(name)


def _holds_any(words: tuple[str, ...], runs: list[tuple[str, ...]]) -> bool:
    """Whether one of ``runs`` stands in ``words`` as a run of words."""
    return any(words[i : i + len(run)] == run for run in runs for i in range(len(words) - len(run) + 1))


@functools.cache
def name_set(name: tuple[str, ...]) -> frozenset[str]:
    return frozenset(name)


def load_vocabulary(data: dict[str, Any], where: str, units: dict[str, Any], measures: set[str]) -> Vocabulary:
    if not isinstance(data, dict) or not isinstance(data.get("indicators"), list):
        raise BaocaoError("must hold a list 'indicators'", where)
    terms = []
    for index, item in enumerate(data["indicators"]):
        place = f"{where}: indicators[{index}]"
        for key in ("names", "measures", "not", "alone"):
            value = item.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise BaocaoError(f"{key!r} must be a list of words", place)
        unknown = set(item["measures"]) - measures
        if unknown:
            raise BaocaoError(f"measure {min(unknown)!r} is not in metadata/measures.yaml", place)
        alone = [name for n in item.get("alone", []) if (name := _name(n))]
        terms.append(
            Term(
                str(item["id"]),
                [name for n in item["names"] if (name := _name(n))] + alone,
                [veto for n in item.get("not", []) if (veto := _words(n))],
                set(item["measures"]),
                bool(item.get("share_is_value")),
                item.get("code"),
                bool(item.get("stock")),
                alone=frozenset(alone),
            )
        )
    return Vocabulary(terms)


class Resolver:
    def __init__(
        self,
        vocabulary: Vocabulary,
        indicators: dict[str, Any],
        units: dict[str, Any],
        measure_units: dict[str, str] | None = None,
    ):
        """``measure_units``: the unit of each measure that has one of its own (places of a rank change,
        provinces ranked), from metadata/measures.yaml; other measures take the indicator's."""
        self.vocabulary = vocabulary
        self.terms = vocabulary.by_id()
        self.units = units
        self.measure_units = {m: u for m, u in (measure_units or {}).items() if u in units and u != "percent"}
        # each word of a name → the (term, name) pairs whose name holds it: only those are tried
        self.longest = max((len(n) for t in vocabulary.terms for n in [*t.names, *t.vetoes]), default=1)
        self.index: dict[str, list[tuple[Term, tuple[str, ...]]]] = {}
        for term in vocabulary.terms:
            for name in term.names:
                for word in set(name):
                    self.index.setdefault(word, []).append((term, name))
        for term in vocabulary.terms:
            indicator = indicators[term.indicator_id]
            term.unit = indicator.unit
            term.base_unit = units[indicator.unit].base_unit
            term.quantity = units[indicator.unit].quantity

    def _fits(self, term: Term, statement: Statement, unit_id: str | None) -> str | None:
        """The measure the term takes for this statement, or None if it cannot be this indicator."""
        measure = statement.measure
        if measure == "share_pct" and term.share_is_value:
            measure = "value"
        if measure == "plan_or_total":
            measure = "plan" if "plan" in term.measures else ("total" if "total" in term.measures else None)
        if measure is None or measure not in term.measures:
            return None
        if measure in RATIO_MEASURES:
            return measure if unit_id == "percent" else None
        if measure == "contribution_pp":  # percentage points, often written "%"
            return measure if unit_id in ("percent", "diem_phan_tram") else None
        if measure in ("rank", "rank_of"):
            return measure
        if unit_id is None:
            return None
        own = self.measure_units.get(measure)
        expected = self.units[own].base_unit if own else term.base_unit
        if unit_id == "percent" and not own and term.quantity == "rate":
            return measure  # "7-10,5%" of a rate per year written without its "/năm"
        return measure if self.units[unit_id].base_unit == expected else None

    def _best(
        self, statement: Statement, unit_id: str | None, words: tuple[str, ...], how: str, frame: str
    ) -> dict[str, tuple[int, str]]:
        """Each indicator one of whose names stands in ``words`` (as a run of words, or all its words),
        with the length of its longest such name and the measure it takes. A name that is taken only
        alone is also vetoed by a word of its ``frame`` (the figure's sentence and section headings)."""
        present = set(words)
        # the runs of words as long as a name or a veto at most: linear in a subject of any length
        longest = min(len(words), self.longest)
        grams = {words[i : i + n] for n in range(1, longest + 1) for i in range(len(words) - n + 1)}
        best: dict[str, tuple[int, str]] = {}
        vetoed: dict[int, bool] = {}
        candidates = {(id(t), n): (t, n) for word in present for t, n in self.index.get(word, ())}
        for term, name in candidates.values():
            found = name in grams if how == "name" else name_set(name) <= present
            if not found or len(name) <= best.get(term.indicator_id, (0, ""))[0]:
                continue
            if id(term) not in vetoed:
                vetoed[id(term)] = any(veto in grams for veto in term.vetoes)
            if vetoed[id(term)] or (name in term.alone and _holds_any(_words(frame), term.vetoes)):
                continue
            measure = self._fits(term, statement, unit_id)
            if measure:
                best[term.indicator_id] = (len(name), measure)
        return best

    def _whole(self, statement: Statement, unit_id: str | None, words: tuple[str, ...], frame: str) -> set[str]:
        """The indicators the sentence's first subject names by itself (the longest names, as a figure's are)."""
        for how in ("name", "words"):
            best = self._best(statement, unit_id, words, how, frame)
            if best:
                return {indicator_id for indicator_id, _ in _winners(best)}
        return set()

    def resolve(
        self, statement: Statement, unit_id: str | None, frame: str = ""
    ) -> tuple[str | None, str | None, str, str | None]:
        """(indicator, measure, resolution, reason) of one statement; ``frame``: its sentence and the
        titles of its section and the sections above it."""
        if statement.target:
            return None, statement.measure, "target", "target"
        if statement.measure is None:
            return None, None, "unmapped", statement.measure_reason or "no_measure"
        if not statement.subject:
            return None, statement.measure, "unmapped", "no_subject"
        subject = _words(statement.subject)
        passes = [(subject, "name"), (subject, "words")]
        # a short subject ("năng suất", "vốn đăng ký") borrows the words of its clauses' subject after a ";", then of
        # its sentence's; one that names a thing of its own ("doanh thu hoạt động vận tải …") does not
        borrows = len(subject) <= _BORROWING_WORDS
        if statement.group_context and borrows:
            passes.append((subject + _words(statement.group_context), "words"))
        sentence = _words(statement.context or "")
        if borrows:
            passes.append((subject + sentence, "words"))
        for words, how in passes:
            best = self._best(statement, unit_id, words, how, frame)  # the frame is folded only for a name alone
            if not best:
                continue
            winners = _winners(best)
            if len(winners) > 1 and statement.level_unit in self.units:
                # "GRDP bình quân đầu người đạt 3.950 USD, tăng 10%": the change of the level in dollars
                level = self.units[statement.level_unit].base_unit
                winners = [w for w in winners if self.terms[w[0]].base_unit == level] or winners
            if len(winners) > 1:
                return None, statement.measure, "ambiguous", "several_indicators"
            indicator_id, measure = winners[0]
            if statement.part and indicator_id in self._whole(statement, unit_id, sentence, frame):
                # "GRDP đạt …, trong đó khu vực dịch vụ đạt …": the part borrowed only the name of the whole
                return None, statement.measure, "unmapped", "part_of_whole"
            reason = "by_name" if how == "name" else "by_words"
            return indicator_id, measure, "vocabulary", reason
        return None, statement.measure, "unmapped", "not_named"


def _winners(best: dict[str, tuple[int, str]]) -> list[tuple[str, str]]:
    """(indicator, measure) of the indicators named by the longest name: the longest name wins."""
    longest = max(length for length, _ in best.values())
    return [(indicator_id, measure) for indicator_id, (length, measure) in best.items() if length == longest]
