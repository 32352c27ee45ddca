"""Stage 4, locate: the catalog's locators find a report's observations in its text.

An indicator with locators written for the report (or its layout) uses them
strictly: a locator that matches nothing, or more than once, stops the build with
an error naming the indicator. The other indicators use the standard locators,
leniently: what is not found, or found ambiguously, is recorded in the coverage.
The value is read from the text, never from metadata.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from baocao.core.errors import BaocaoError
from baocao.curation.catalog import Catalog, Locator, catalog_of
from baocao.curation.checks import Checker, CheckResult
from baocao.curation.observation import Coverage, Observation
from baocao.curation.patterns import find_all
from baocao.figures.extract import Mention

# "đến ngày 17/6/2024", "tính đến 30/6/2024", "đến hết ngày ...": the date a figure refers to
_REF_DATE = re.compile(r"(?:tính\s+)?đến(?:\s+hết)?(?:\s+ngày)?\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.I)
_DIRECTION = re.compile(r"(?<!\w)(tăng|giảm)(?!\w)", re.I)


_index_cache: dict[int, tuple[list[Mention], dict[tuple[str, int], tuple[int, Mention]]]] = {}


def _mention_index(mentions: list[Mention]) -> dict[tuple[str, int], tuple[int, Mention]]:
    """Mentions by (section, offset), built once per list of mentions."""
    cached = _index_cache.get(id(mentions))
    if cached is None or cached[0] is not mentions:
        index = {(m.section_id, m.value_start): (i, m) for i, m in enumerate(mentions)}
        _index_cache.clear()
        _index_cache[id(mentions)] = cached = (mentions, index)
    return cached[1]


class Curator:
    def __init__(self, metadata: Any, catalog: Catalog | None = None):
        """``metadata``: a ``baocao.core.metadata.Metadata``; ``catalog``: its whole catalog unless given."""
        self.metadata = metadata
        self.catalog = catalog or catalog_of(metadata)
        self.units = {u.id: u for u in metadata.units}
        self.measures = {m["id"]: m for m in metadata.measures}
        self.status_words = {s["id"]: s["words"] for s in metadata.statuses}

    def locate(self, locator: Locator, texts: dict[str, str], mentions: list[Mention], source: str) -> Observation:
        """A report-specific locator: exactly one match in its section, or the build stops."""
        indicator = self.catalog.indicators[locator.indicator_id]
        where = f"{locator.file or indicator.file}: indicator {indicator.id} ({locator.measure})"
        text = texts.get(locator.section)
        if text is None:
            raise BaocaoError(f"section {locator.section!r} is not in {source}", where)
        matches = find_all(locator.pattern, text, where, locator.section)
        if not matches:
            raise BaocaoError(f"pattern matches nothing in section {locator.section} of {source}", where)
        if len(matches) > 1:
            raise BaocaoError(f"pattern matches {len(matches)} places in section {locator.section} of {source}", where)
        match = matches[0]
        start = match.start("value")
        index, mention = _mention_index(mentions).get((locator.section, start), (None, None))
        if mention is None:
            raise BaocaoError(
                f"{match.group('value')!r} in section {locator.section} is not a figure "
                "(a date, year or document number)",
                where,
            )
        return self._observe(locator, locator.section, text, mention, index, where)

    def locate_standard(
        self, locator: Locator, texts: dict[str, str], mentions: list[Mention], taken: set[tuple[str, int]]
    ) -> tuple[str, Observation | None, int]:
        """A standard locator, over every section: (found | not_found | ambiguous, observation, candidates).

        Its phrasings are tried in order; the first that matches decides. Figures already taken by
        another observation are passed over; several matches giving one value count as one.
        """
        indicator = self.catalog.indicators[locator.indicator_id]
        where = f"metadata/standard.yaml: indicator {indicator.id} ({locator.measure})"
        index_of = _mention_index(mentions)
        for pattern in locator.patterns:
            candidates = []
            for section_id, text in texts.items():
                for match in find_all(pattern, text, where, section_id):
                    start = match.start("value")
                    if (section_id, start) in taken:
                        continue
                    index, mention = index_of.get((section_id, start), (None, None))
                    if mention is None:
                        continue
                    try:
                        observation = self._observe(locator, section_id, text, mention, index, where)
                    except BaocaoError:
                        continue  # a unit or a direction that does not fit: not this indicator
                    candidates.append(observation)
            values = {(c.value, c.unit_id) for c in candidates}
            if len(values) == 1:
                return "found", candidates[0], len(candidates)
            if len(values) > 1:
                return "ambiguous", None, len(candidates)
        return "not_found", None, 0

    def _observe(
        self, locator: Locator, section_id: str, text: str, mention: Mention, index: int | None, where: str
    ) -> Observation:
        indicator = self.catalog.indicators[locator.indicator_id]
        start, end = mention.value_start, mention.value_end
        measure = self.measures[locator.measure]
        expected = indicator.unit if measure["unit"] == "indicator" else measure["unit"]
        unit = locator.unit or mention.unit_id or expected
        if (
            measure["unit"] != "indicator"
            and locator.unit is None
            and self.units[unit].base_unit != self.units[expected].base_unit
        ):
            unit = expected  # "xếp thứ 57/63 tỉnh": a rank, whatever noun follows
        if self.units[unit].base_unit != self.units[expected].base_unit:
            raise BaocaoError(f"the text gives {unit!r} where {expected!r} is expected", where)
        status = mention.obs_status
        if locator.status:
            words = self.status_words.get(locator.status)
            if words is None:
                raise BaocaoError(f"status {locator.status!r} is not in metadata/statuses.yaml", where)
            sentence = text[mention.quote_start : start].lower()
            if not any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", sentence) for w in words):
                raise BaocaoError(
                    f"status {locator.status!r} needs one of {words} before the value in its sentence", where
                )
            status = locator.status
        direction = None
        if locator.measure.startswith("change_"):
            before = text[mention.quote_start : start]
            found = _DIRECTION.findall(before)
            if not found:
                raise BaocaoError("a change needs 'tăng' or 'giảm' before the value in its sentence", where)
            direction = "decrease" if found[-1].lower() == "giảm" else "increase"
        dates = list(_REF_DATE.finditer(text, mention.quote_start, start))
        ref_date = None
        if dates:
            day, month, year = (int(x) for x in dates[-1].groups())
            ref_date = f"{year:04d}-{month:02d}-{day:02d}"
        return Observation(
            indicator_id=indicator.id,
            measure=locator.measure,
            value=mention.value,
            value_text=mention.value_text,
            unit_id=unit,
            obs_status=status,
            qualifier=mention.qualifier,
            direction=direction,
            ref_date=ref_date,
            section_id=section_id,
            quote=mention.quote,
            quote_start=mention.quote_start,
            quote_end=mention.quote_end,
            value_start=start,
            value_end=end,
            mention_index=index,
        )

    def observations(
        self, texts: dict[str, str], mentions: list[Mention], source: str, report_id: str, layout: str | None = None
    ) -> list[Observation]:
        return self.curate(texts, mentions, source, report_id, layout)[0]

    def curate(
        self, texts: dict[str, str], mentions: list[Mention], source: str, report_id: str, layout: str | None = None
    ) -> tuple[list[Observation], list[Coverage]]:
        """Observations of one report, and how each indicator's figures were looked for.

        An indicator with locators written for this report (or its layout) uses them, strictly. The others
        use their standard locators, if any, leniently: what is not found, or found ambiguously, is recorded.
        """
        layout = layout or report_id
        out: list[Observation] = []
        coverage: list[Coverage] = []
        lenient: list[Locator] = []
        for indicator in self.catalog.indicators.values():
            specific = [loc for loc in indicator.locators if loc.report in (None, layout)]
            if specific:
                for locator in specific:
                    observation = self.locate(locator, texts, mentions, source)
                    out.append(observation)
                    coverage.append(Coverage(indicator.id, locator.measure, "report", "found", 1, observation))
            else:
                lenient.extend(self.catalog.standard.get(indicator.id, []))
        taken = {(o.section_id, o.value_start) for o in out}
        for locator in lenient:
            status, observation, candidates = self.locate_standard(locator, texts, mentions, taken)
            if observation is not None:
                out.append(observation)
                taken.add((observation.section_id, observation.value_start))
            coverage.append(
                Coverage(locator.indicator_id, locator.measure, "standard", status, candidates, observation)
            )
        self.apply_corrections(out, report_id)
        return out, coverage

    def apply_corrections(self, observations: list[Observation], report_id: str) -> None:
        for item in self.metadata.corrections:
            if item["report"] != report_id:
                continue
            found = [o for o in observations if o.indicator_id == item["indicator"] and o.measure == item["measure"]]
            if not found:
                raise BaocaoError(
                    f"correction for {item['indicator']} {item['measure']} matches no observation",
                    "metadata/corrections.yaml",
                )
            observation = found[0]
            if observation.value_text != str(item["value_text"]):
                raise BaocaoError(
                    f"correction for {item['indicator']} expects {item['value_text']!r}, "
                    f"the report says {observation.value_text!r}",
                    "metadata/corrections.yaml",
                )
            observation.value = Decimal(str(item["value"]))
            observation.correction = item["reason"]

    def checks(self, observations: list[Observation], layout: str | None = None) -> list[CheckResult]:
        """The consistency checks of these observations (see baocao.curation.checks)."""
        return Checker(self.metadata, self.catalog).run(observations, layout)
