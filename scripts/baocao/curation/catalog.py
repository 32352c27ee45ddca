"""The indicator catalog: indicator definitions, their locators, tables and checks, read from metadata.

metadata/indicators/ holds one file per topic: what each indicator is, and the topic's
tables. metadata/locators/<report>/ says where one report (or layout of reports)
writes each measure (a section and a pattern over that section's clean text, see
baocao.curation.patterns), with the checks written for it. metadata/standard.yaml adds the standard
locators, tried over every section of any report, and metadata/vocabulary.yaml the
names of the standard indicators. The shape of each file is checked by its schema
(baocao.core.schema); this module checks what ties the files together: ids used once,
topics, units and measures that exist, parents and table rows that are indicators,
patterns that compile.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from baocao.core.errors import BaocaoError
from baocao.core.schema import label, schema_name
from baocao.curation.patterns import check_pattern

# what a file that defines a new indicator (standard.yaml, vocabulary.yaml) must give of it
DEFINITION = {"topic", "name_vi", "name_en", "description_vi", "description_en", "unit"}


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
    file: str | None = None  # the metadata file it is written in


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
    vocabulary: Any = None  # baocao.figures.resolve.Vocabulary of metadata/vocabulary.yaml


class _Reader:
    """What the catalog's files are checked against, and what they have defined so far."""

    def __init__(self, metadata: Any):
        self.metadata = metadata
        self.topics = {t["id"] for t in metadata.topics}
        self.measures = {m["id"] for m in metadata.measures}
        self.units = {u.id for u in metadata.units}
        self.indicators: dict[str, Indicator] = {}
        self.tables: list[dict[str, Any]] = []
        self.checks: list[dict[str, Any]] = []
        self.standard: dict[str, list[Locator]] = {}
        self.order = 0

    def known(self, kind: str, value: Any, where: str) -> None:
        """Refuse a topic, unit or measure that its list in metadata/ does not hold."""
        known = {"topic": self.topics, "unit": self.units, "measure": self.measures}[kind]
        if value not in known:
            raise BaocaoError(f"{kind} {value!r} is not in metadata/{kind}s.yaml", where)

    def add(self, item: dict[str, Any], topic: str, locators: list[Locator], file: str, where: str) -> None:
        if item["id"] in self.indicators:
            raise BaocaoError(f"id also used in {self.indicators[item['id']].file}", where)
        self.known("unit", item["unit"], where)
        self.order += 1
        self.indicators[item["id"]] = Indicator(
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
            self.order,
        )

    def define(self, item: dict[str, Any], file: str, where: str) -> None:
        """A new indicator defined in full (standard.yaml, vocabulary.yaml)."""
        missing = DEFINITION - set(item)
        if missing:
            raise BaocaoError(f"a new indicator needs {sorted(missing)[0]!r}", where)
        self.known("topic", item["topic"], where)
        self.add(item, item["topic"], [], file, where)

    def locator(self, indicator_id: str, spec: dict[str, Any], where: str, report: str | None) -> Locator:
        self.known("measure", spec["measure"], where)
        if spec.get("unit") is not None:
            self.known("unit", spec["unit"], where)
        patterns = tuple(spec["patterns"]) if "patterns" in spec else (spec["pattern"],)
        for pattern in patterns:
            check_pattern(pattern, where)
        section = str(spec["section"]) if "section" in spec else None
        return Locator(
            indicator_id,
            spec["measure"],
            section,
            patterns[0],
            spec.get("status"),
            spec.get("unit"),
            spec.get("note"),
            report,
            patterns if section is None else (),
        )

    def topic_file(self, path: Path) -> None:
        """One file of metadata/indicators/: what a topic's indicators are, and its tables."""
        name = label(path, "indicators")
        data = self.metadata.load_file(path, "indicators")
        topic = data["topic"]
        self.known("topic", topic, name)
        for item in data.get("indicators") or []:
            self.add(item, topic, [], name, f"{name}: indicator {item['id']}")
        for table in data.get("tables") or []:
            for column in table["columns"]:
                self.known("measure", column["measure"], f"{name}: table {table['id']}")
            self.tables.append({**table, "topic": topic, "file": name})

    def locator_file(self, path: Path) -> None:
        """One file of metadata/locators/: where a report (or layout) states figures of defined indicators,
        and the checks written for it."""
        name = label(path, "locators")
        data = self.metadata.load_file(path, "locators")
        report = data["report"]
        for index, item in enumerate(data["indicators"]):
            where = f"{name}: indicator {item['id']}"
            indicator = self.indicators.get(item["id"])
            if indicator is None:
                raise BaocaoError("is not an indicator of metadata/indicators/", where)
            locators = [
                self.locator(item["id"], spec, f"{name}: $.indicators[{index}].locate[{n}] ({item['id']})", report)
                for n, spec in enumerate(item["locate"])
            ]
            for locator in locators:
                locator.file = name
            measures = [loc.measure for loc in indicator.locators + locators if loc.report == report]
            if len(set(measures)) != len(measures):
                raise BaocaoError("a measure is located twice for this report", where)
            indicator.locators.extend(locators)
        for check in data.get("checks") or []:
            self.checks.append({**check, "file": name, "report": report})

    def standard_file(self, path: Path) -> None:
        """metadata/standard.yaml: locators for the indicators nearly every provincial report states."""
        name = label(path)
        for index, item in enumerate(self.metadata.load_file(path)["indicators"]):
            where = f"{name}: indicator {item['id']}"
            if item["id"] not in self.indicators:
                self.define(item, name, where)
            elif set(item) - {"id", "locate"}:
                raise BaocaoError(
                    f"is defined in {self.indicators[item['id']].file}: give only its locators here", where
                )
            for n, spec in enumerate(item["locate"]):
                place = f"{name}: $.indicators[{index}].locate[{n}] ({item['id']})"
                self.standard.setdefault(item["id"], []).append(self.locator(item["id"], spec, place, None))

    def vocabulary_files(self, paths: list[Path]) -> Any:
        """metadata/vocabulary.yaml, the names of the standard indicators (new ones are defined there in
        full), then metadata/vocabulary/*.yaml, the names of the indicators other files define; an
        indicator is named in one file only."""
        from baocao.figures.resolve import Vocabulary, load_vocabulary

        vocabulary, named = Vocabulary(), {}
        for path in paths:
            name = label(path, "vocabulary")
            data = self.metadata.load_file(path, "vocabulary")
            vocabulary.terms += load_vocabulary(data, name, {u.id: u for u in self.metadata.units}, self.measures).terms
            for index, item in enumerate(data["indicators"]):
                where = f"{name}: indicators[{index}] ({item['id']})"
                if item["id"] in named:
                    raise BaocaoError(f"is named in {named[item['id']]} already", where)
                named[item["id"]] = name
                if item["id"] not in self.indicators:
                    self.define(item, name, where)
                elif DEFINITION & set(item):
                    raise BaocaoError(
                        f"is defined in {self.indicators[item['id']].file}: give only its names here", where
                    )
        return vocabulary

    def cross_references(self, whole: bool) -> None:
        """Parents (in the whole catalog) and table rows must be indicators."""
        for indicator in self.indicators.values():
            if whole and indicator.parent is not None and indicator.parent not in self.indicators:
                raise BaocaoError(
                    f"parent {indicator.parent!r} is not an indicator", f"{indicator.file}: indicator {indicator.id}"
                )
        for table in self.tables:
            for row in table["rows"]:
                if row not in self.indicators:
                    raise BaocaoError(f"row {row!r} is not an indicator", f"{table['file']}: table {table['id']}")


_whole: weakref.WeakKeyDictionary[Any, Catalog] = weakref.WeakKeyDictionary()


def catalog_of(metadata: Any) -> Catalog:
    """The whole catalog of a ``baocao.core.metadata.Metadata``, read once per Metadata."""
    if metadata not in _whole:
        _whole[metadata] = load_catalog(metadata)
    return _whole[metadata]


def _locator_files(files: list[Path], every: list[Path]) -> list[Path]:
    """The locator files ``files`` name: a file of locators/ itself, or for a topic's file of indicators/,
    the locators of that topic for every report."""
    chosen: list[Path] = []
    for path in files:
        if schema_name(path) == "indicators":
            chosen += [p for p in every if p.name == path.name and p not in chosen]
        elif path not in chosen:
            chosen.append(path)
    return chosen


def load_catalog(metadata: Any, files: list[Path] | None = None) -> Catalog:
    """Read the catalog of a ``baocao.core.metadata.Metadata``: every indicator of indicators/ with the locators
    of every file under locators/, or only those of ``files`` (``baocao locate``, ``baocao coverage``: then
    standard.yaml and vocabulary.yaml are left out)."""
    reader = _Reader(metadata)
    for path in sorted((metadata.root / "indicators").glob("*.yaml")):
        reader.topic_file(path)
    every = sorted((metadata.root / "locators").rglob("*.yaml"))
    for path in every if files is None else _locator_files([Path(f) for f in files], every):
        reader.locator_file(path)
    vocabulary = None
    if files is None:
        if (metadata.root / "standard.yaml").exists():
            reader.standard_file(metadata.root / "standard.yaml")
        paths = [metadata.root / "vocabulary.yaml"] if (metadata.root / "vocabulary.yaml").exists() else []
        paths += sorted((metadata.root / "vocabulary").glob("*.yaml"))
        vocabulary = reader.vocabulary_files(paths) if paths else None
    reader.cross_references(whole=files is None)
    return Catalog(reader.indicators, reader.tables, reader.checks, reader.standard, vocabulary)
