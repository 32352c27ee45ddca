"""Stage 4, curate: the indicator catalog under metadata/indicators/ finds observations in the text.

Each indicator says what it is and where each of its measures is written: a
section and a pattern over that section's clean text, in which ``{value}`` marks
the number to take and ``{num}`` any other number. The value is read from the
text, never from metadata. A locator that matches nothing, or more than once,
stops the build with an error naming the indicator.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from baocao.errors import BaocaoError
from baocao.extract import NUM, Mention
from baocao.metadata import Metadata, check_keys, load_yaml
from baocao.numbers import parse_number

# any character that does not end a clause: "." only inside a number (4.128), never ";"
ANY = r"(?:[^.;\n]|(?<=\d)\.(?=\d))"
# "đến ngày 17/6/2024", "tính đến 30/6/2024", "đến hết ngày ...": the date a figure refers to
_REF_DATE = re.compile(r"(?:tính\s+)?đến(?:\s+hết)?(?:\s+ngày)?\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.I)
_DIRECTION = re.compile(r"(?<!\w)(tăng|giảm)(?!\w)", re.I)

INDICATOR_KEYS = (
    {"id", "name_vi", "name_en", "description_vi", "description_en", "unit", "locate"},
    {"parent", "sum_of_children", "note_vi", "note_en"},
)
LOCATOR_KEYS = ({"measure", "section", "pattern"}, {"status", "unit", "note"})
TABLE_KEYS = ({"id", "title_vi", "title_en", "description_vi", "description_en", "rows", "columns"}, set())
COLUMN_KEYS = ({"measure"}, {"title_vi", "title_en"})
CHECK_KEYS = (
    {"id", "kind", "description_vi", "description_en"},
    {"total", "parts", "numerator", "denominator", "result", "tolerance"},
)
TOPIC_KEYS = {"topic", "indicators", "tables", "checks", "report"}
STANDARD_LOCATOR_KEYS = ({"measure", "patterns"}, {"status", "unit", "note"})
STANDARD_INDICATOR_KEYS = (
    {"id", "locate"},
    {"topic", "name_vi", "name_en", "description_vi", "description_en", "unit", "parent"},
)


@dataclass
class Locator:
    indicator_id: str
    measure: str
    section: str | None  # None: a standard locator, tried over every section
    pattern: str
    status: str | None = None
    unit: str | None = None
    note: str | None = None
    report: str | None = None  # the report (or report layout) the locator was written for; None: any
    patterns: tuple[str, ...] = ()  # a standard locator's phrasings, tried in order


@dataclass
class Indicator:
    id: str
    topic: str
    name_vi: str
    name_en: str
    description_vi: str
    description_en: str
    unit: str
    parent: str | None
    sum_of_children: bool
    locators: list[Locator]
    file: str
    order: int


@dataclass
class Catalog:
    indicators: dict[str, Indicator]
    tables: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    standard: dict[str, list[Locator]] = field(default_factory=dict)
    vocabulary: Any = None  # baocao.resolve.Vocabulary of metadata/vocabulary.yaml


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


@dataclass
class CheckResult:
    id: str
    kind: str
    description_vi: str
    description_en: str
    formula: str
    expected: Decimal
    actual: Decimal
    tolerance: Decimal
    observations: list[tuple[str, str]]

    @property
    def difference(self) -> Decimal:
        return self.actual - self.expected

    @property
    def status(self) -> str:
        return "pass" if abs(self.difference) <= self.tolerance else "fail"


def _keys(item: Any, spec: tuple[set[str], set[str]], where: str) -> None:
    check_keys(item, *spec, where)


def load_catalog(metadata: Metadata, files: list[Path] | None = None) -> Catalog:
    """Read the catalog: every file under metadata/indicators/, or only ``files``."""
    folder = metadata.root / "indicators"
    topics = {t["id"] for t in metadata.topics}
    measures = {m["id"] for m in metadata.measures}
    units = {u.id for u in metadata.units}
    indicators: dict[str, Indicator] = {}
    tables: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    order = 0
    for path in files if files is not None else sorted(folder.glob("*.yaml")):
        path = Path(path)
        name = f"metadata/indicators/{path.name}"
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise BaocaoError("must be a mapping", name)
        unknown = set(data) - TOPIC_KEYS
        if unknown:
            raise BaocaoError(f"unknown key {sorted(unknown)[0]!r}", name)
        topic = data.get("topic")
        if topic not in topics:
            raise BaocaoError(f"topic {topic!r} is not in metadata/topics.yaml", name)
        for item in data.get("indicators") or []:
            where = f"{name}: indicator {item.get('id', '?') if isinstance(item, dict) else '?'}"
            _keys(item, INDICATOR_KEYS, where)
            if not re.fullmatch(r"[a-z][a-z0-9_]*", item["id"]):
                raise BaocaoError("id must be lower-case ASCII snake_case", where)
            if item["id"] in indicators:
                raise BaocaoError(f"id also used in {indicators[item['id']].file}", where)
            if item["unit"] not in units:
                raise BaocaoError(f"unit {item['unit']!r} is not in metadata/units.yaml", where)
            locators = []
            for spec in item["locate"]:
                _keys(spec, LOCATOR_KEYS, where)
                if spec["measure"] not in measures:
                    raise BaocaoError(f"measure {spec['measure']!r} is not in metadata/measures.yaml", where)
                if spec.get("unit") is not None and spec["unit"] not in units:
                    raise BaocaoError(f"unit {spec['unit']!r} is not in metadata/units.yaml", where)
                if spec["pattern"].count("{value}") != 1:
                    raise BaocaoError(f"pattern for {spec['measure']} must hold {{value}} once", where)
                locators.append(
                    Locator(
                        item["id"],
                        spec["measure"],
                        str(spec["section"]),
                        spec["pattern"],
                        spec.get("status"),
                        spec.get("unit"),
                        spec.get("note"),
                        data.get("report"),
                    )
                )
            measures_seen = [loc.measure for loc in locators]
            if len(set(measures_seen)) != len(measures_seen):
                raise BaocaoError("a measure is located twice", where)
            order += 1
            indicators[item["id"]] = _indicator(item, topic, locators, name, order)
        for table in data.get("tables") or []:
            where = f"{name}: table {table.get('id', '?') if isinstance(table, dict) else '?'}"
            _keys(table, TABLE_KEYS, where)
            for column in table["columns"]:
                _keys(column, COLUMN_KEYS, where)
                if column["measure"] not in measures:
                    raise BaocaoError(f"measure {column['measure']!r} is not in metadata/measures.yaml", where)
            tables.append({**table, "topic": topic, "file": name})
        for check in data.get("checks") or []:
            where = f"{name}: check {check.get('id', '?') if isinstance(check, dict) else '?'}"
            _keys(check, CHECK_KEYS, where)
            if check["kind"] not in ("sum", "sum_le", "ratio"):
                raise BaocaoError(f"kind {check['kind']!r} is not sum, sum_le or ratio", where)
            checks.append({**check, "file": name, "report": data.get("report")})
    standard: dict[str, list[Locator]] = {}
    if files is None and (metadata.root / "standard.yaml").exists():
        order = _load_standard(metadata, indicators, standard, order, topics, measures, units)
    vocabulary = None
    if files is None and (metadata.root / "vocabulary.yaml").exists():
        vocabulary, order = _load_vocabulary(metadata, indicators, order, topics, measures, units)
    for indicator in indicators.values():
        if files is None and indicator.parent is not None and indicator.parent not in indicators:
            raise BaocaoError(
                f"parent {indicator.parent!r} is not an indicator", f"{indicator.file}: indicator {indicator.id}"
            )
    for table in tables:
        for row in table["rows"]:
            if row not in indicators:
                raise BaocaoError(f"row {row!r} is not an indicator", f"{table['file']}: table {table['id']}")
    return Catalog(indicators, tables, checks, standard, vocabulary)


def _load_vocabulary(
    metadata: Metadata,
    indicators: dict[str, Indicator],
    order: int,
    topics: set[str],
    measures: set[str],
    units: set[str],
):
    """metadata/vocabulary.yaml: the names of the standard indicators; new ones are defined there in full."""
    from baocao.resolve import load_vocabulary

    name = "metadata/vocabulary.yaml"
    data = load_yaml(metadata.root / "vocabulary.yaml")
    vocabulary = load_vocabulary(data, name, {u.id: u for u in metadata.units}, measures)
    for index, item in enumerate(data["indicators"]):
        where = f"{name}: indicators[{index}] ({item['id']})"
        if item["id"] in indicators:
            if DEFINITION & set(item):
                raise BaocaoError(f"is defined in {indicators[item['id']].file}: give only its names here", where)
            continue
        order = _define(item, where, name, indicators, order, topics, units)
    return vocabulary, order


# what a file that defines a new indicator (standard.yaml, vocabulary.yaml) must give of it
DEFINITION = {"topic", "name_vi", "name_en", "description_vi", "description_en", "unit"}


def _define(
    item: dict[str, Any],
    where: str,
    file: str,
    indicators: dict[str, Indicator],
    order: int,
    topics: set[str],
    units: set[str],
) -> int:
    """A new indicator defined in full, checked against the topics and units; returns the next order."""
    missing = DEFINITION - set(item)
    if missing:
        raise BaocaoError(f"a new indicator needs {sorted(missing)[0]!r}", where)
    if item["topic"] not in topics:
        raise BaocaoError(f"topic {item['topic']!r} is not in metadata/topics.yaml", where)
    if item["unit"] not in units:
        raise BaocaoError(f"unit {item['unit']!r} is not in metadata/units.yaml", where)
    indicators[item["id"]] = _indicator(item, item["topic"], [], file, order + 1)
    return order + 1


def _indicator(item: dict[str, Any], topic: str, locators: list[Locator], file: str, order: int) -> Indicator:
    return Indicator(
        item["id"],
        topic,
        item["name_vi"],
        item["name_en"],
        item["description_vi"],
        item["description_en"],
        item["unit"],
        item.get("parent"),
        bool(item.get("sum_of_children")),
        locators,
        file,
        order,
    )


def _load_standard(
    metadata: Metadata,
    indicators: dict[str, Indicator],
    standard: dict[str, list[Locator]],
    order: int,
    topics: set[str],
    measures: set[str],
    units: set[str],
) -> int:
    """metadata/standard.yaml: locators for the indicators nearly every provincial report states."""
    name = "metadata/standard.yaml"
    data = load_yaml(metadata.root / "standard.yaml")
    check_keys(data, {"indicators"}, set(), name)
    for item in data["indicators"]:
        where = f"{name}: indicator {item.get('id', '?') if isinstance(item, dict) else '?'}"
        _keys(item, STANDARD_INDICATOR_KEYS, where)
        if item["id"] not in indicators:
            order = _define(item, where, name, indicators, order, topics, units)
        elif set(item) - {"id", "locate"}:
            raise BaocaoError(f"is defined in {indicators[item['id']].file}: give only its locators here", where)
        for spec in item["locate"]:
            _keys(spec, STANDARD_LOCATOR_KEYS, where)
            if spec["measure"] not in measures:
                raise BaocaoError(f"measure {spec['measure']!r} is not in metadata/measures.yaml", where)
            patterns = tuple(spec["patterns"])
            if not patterns or any(p.count("{value}") != 1 for p in patterns):
                raise BaocaoError(f"each pattern for {spec['measure']} must hold {{value}} once", where)
            standard.setdefault(item["id"], []).append(
                Locator(
                    item["id"],
                    spec["measure"],
                    None,
                    patterns[0],
                    spec.get("status"),
                    spec.get("unit"),
                    spec.get("note"),
                    None,
                    patterns,
                )
            )
    return order


_index_cache: dict[int, tuple[list[Mention], dict[tuple[str, int], tuple[int, Mention]]]] = {}


def _mention_index(mentions: list[Mention]) -> dict[tuple[str, int], tuple[int, Mention]]:
    """Mentions by (section, offset), built once per list of mentions."""
    cached = _index_cache.get(id(mentions))
    if cached is None or cached[0] is not mentions:
        index = {(m.section_id, m.value_start): (i, m) for i, m in enumerate(mentions)}
        _index_cache.clear()
        _index_cache[id(mentions)] = cached = (mentions, index)
    return cached[1]


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace("{value}", f"(?P<value>{NUM})").replace("{num}", NUM).replace("{any}", ANY), re.M)


class Curator:
    def __init__(self, metadata: Metadata, catalog: Catalog | None = None):
        self.metadata = metadata
        self.catalog = catalog or metadata.catalog
        self.units = {u.id: u for u in metadata.units}
        self.measures = {m["id"]: m for m in metadata.measures}
        self.status_words = {s["id"]: s["words"] for s in metadata.statuses}

    def locate(self, locator: Locator, texts: dict[str, str], mentions: list[Mention], source: str) -> Observation:
        """A report-specific locator: exactly one match in its section, or the build stops."""
        indicator = self.catalog.indicators[locator.indicator_id]
        where = f"{indicator.file}: indicator {indicator.id} ({locator.measure})"
        text = texts.get(locator.section)
        if text is None:
            raise BaocaoError(f"section {locator.section!r} is not in {source}", where)
        matches = list(compile_pattern(locator.pattern).finditer(text))
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
                for match in compile_pattern(pattern).finditer(text):
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

    # consistency checks ---------------------------------------------------

    def _value_in(self, observation: Observation, unit: str) -> Decimal:
        source, target = self.units[observation.unit_id], self.units[unit]
        return observation.value * Decimal(str(source.multiplier)) / Decimal(str(target.multiplier))

    @staticmethod
    def _unit_of_last_digit(text: str) -> Decimal:
        decimals = (
            len(re.split(r"[,]", text)[1])
            if "," in text
            else (len(text.split(".")[1]) if parse_number(text).notation == "en" else 0)
        )
        return Decimal(1).scaleb(-decimals)

    def checks(self, observations: list[Observation], layout: str | None = None) -> list[CheckResult]:
        """The automatic checks, and the catalog's checks written for this report's layout (or for any)."""
        by_key = {(o.indicator_id, o.measure): o for o in observations}
        results: list[CheckResult] = []

        def ratio(
            check_id: str,
            num: Observation,
            den: Observation,
            result: Observation,
            vi: str,
            en: str,
            tolerance: Decimal | None = None,
        ) -> None:
            if den.value == 0:
                return
            actual = self._value_in(num, den.unit_id) / den.value * 100
            results.append(
                CheckResult(
                    check_id,
                    "ratio",
                    vi,
                    en,
                    f"{num.indicator_id}.{num.measure} / {den.indicator_id}.{den.measure} × 100 = "
                    f"{result.indicator_id}.{result.measure}",
                    result.value,
                    actual.quantize(Decimal("0.01")),
                    tolerance if tolerance is not None else self._unit_of_last_digit(result.value_text),
                    [(o.indicator_id, o.measure) for o in (num, den, result)],
                )
            )

        for indicator in self.catalog.indicators.values():
            iid = indicator.id
            for denominator, result, vi, en in (
                (
                    "plan",
                    "pct_of_plan",
                    "Giá trị chia kế hoạch bằng tỷ lệ % kế hoạch báo cáo nêu",
                    "Value over plan equals the percent of plan the report states",
                ),
                (
                    "estimate",
                    "pct_of_estimate",
                    "Giá trị chia dự toán bằng tỷ lệ % dự toán báo cáo nêu",
                    "Value over budget estimate equals the percent of estimate the report states",
                ),
                (
                    "total",
                    "pct_of_total",
                    "Giá trị chia tổng số bằng tỷ lệ % báo cáo nêu",
                    "Value over total equals the percentage the report states",
                ),
                (
                    "target",
                    "pct_of_target",
                    "Giá trị chia mục tiêu bằng tỷ lệ % mục tiêu báo cáo nêu",
                    "Value over target equals the percent of target the report states",
                ),
            ):
                if all((iid, m) in by_key for m in ("value", denominator, result)):
                    ratio(
                        f"{iid}.{result}",
                        by_key[(iid, "value")],
                        by_key[(iid, denominator)],
                        by_key[(iid, result)],
                        vi,
                        en,
                    )
            if indicator.sum_of_children:
                children = [c for c in self.catalog.indicators.values() if c.parent == iid]
                parent = by_key.get((iid, "value"))
                parts = [by_key[(c.id, "value")] for c in children if (c.id, "value") in by_key]
                if parent and parts:
                    results.append(
                        self._sum(
                            f"{iid}.children",
                            "sum",
                            parent,
                            parts,
                            "Tổng các chỉ tiêu thành phần bằng chỉ tiêu tổng",
                            "The components add up to the total",
                            None,
                        )
                    )
        for check in self.catalog.checks:
            if check["report"] not in (None, layout):
                continue

            def get(ref: str, check: dict = check) -> Observation:
                indicator_id, _, measure = ref.partition(".")
                observation = by_key.get((indicator_id, measure or "value"))
                if observation is None:
                    raise BaocaoError(f"{ref!r} is not an observation", f"{check['file']}: check {check['id']}")
                return observation

            tolerance = Decimal(str(check["tolerance"])) if "tolerance" in check else None
            if check["kind"] == "ratio":
                ratio(
                    check["id"],
                    get(check["numerator"]),
                    get(check["denominator"]),
                    get(check["result"]),
                    check["description_vi"],
                    check["description_en"],
                    tolerance,
                )
            else:
                total = check["total"]
                total_obs = get(total) if isinstance(total, str) else None
                results.append(
                    self._sum(
                        check["id"],
                        check["kind"],
                        total_obs if total_obs else Decimal(str(total)),
                        [get(p) for p in check["parts"]],
                        check["description_vi"],
                        check["description_en"],
                        tolerance,
                    )
                )
        for result in results:
            for key in result.observations:
                observation = by_key[key]
                observation.checked = True
                if result.status == "fail":
                    observation.failed_checks.append(result.id)
        return results

    def _sum(
        self,
        check_id: str,
        kind: str,
        total: Observation | Decimal,
        parts: list[Observation],
        vi: str,
        en: str,
        tolerance: Decimal | None,
    ) -> CheckResult:
        unit = total.unit_id if isinstance(total, Observation) else parts[0].unit_id
        actual = sum((self._value_in(p, unit) for p in parts), Decimal(0))
        expected = total.value if isinstance(total, Observation) else total
        if tolerance is None:
            # rounding explains half a unit of the last printed digit per figure; counts are exact
            figures = parts + ([total] if isinstance(total, Observation) else [])
            tolerance = sum(
                (
                    self._unit_of_last_digit(f.value_text) / 2
                    for f in figures
                    if self.units[f.unit_id].quantity != "count"
                ),
                Decimal(0),
            )
        names = " + ".join(f"{p.indicator_id}.{p.measure}" for p in parts)
        target = f"{total.indicator_id}.{total.measure}" if isinstance(total, Observation) else str(total)
        operator = "=" if kind == "sum" else "≤"
        result = CheckResult(
            check_id,
            kind,
            vi,
            en,
            f"{names} {operator} {target}",
            expected,
            actual,
            tolerance,
            [(p.indicator_id, p.measure) for p in parts]
            + ([(total.indicator_id, total.measure)] if isinstance(total, Observation) else []),
        )
        if kind == "sum_le" and actual <= expected:
            result.actual = expected  # within the total: nothing to report
            result.formula += f" ({actual})"
        return result
