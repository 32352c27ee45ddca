"""Hand-written inputs under metadata/, read and checked against the keys each file may hold."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from baocao import paths
from baocao.errors import BaocaoError

# libyaml's loader when PyYAML was built with it: the same safe subset, several times faster
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# For each file: the top-level keys, and for each the (required, optional) keys of its items.
SPEC: dict[str, dict[str, tuple[set[str], set[str]]]] = {
    "units.yaml": {"units": ({"id", "name_vi", "name_en", "aliases", "base_unit", "multiplier"}, {"quantity"})},
    "legal.yaml": {
        "document_types": ({"code", "words", "name_vi", "name_en"}, set()),
        "issuers": ({"code", "name_vi", "name_en"}, set()),
    },
    "sources.yaml": {
        "reports": (
            {
                "id",
                "file",
                "sha256",
                "title_vi",
                "title_en",
                "issuer_vi",
                "issuer_en",
                "addressee_vi",
                "addressee_en",
                "province",
                "period_start",
                "period_end",
                "language",
                "licence",
            },
            {"document_symbol", "document_date", "place", "note_vi", "note_en", "signer", "kind", "locators"},
        ),
    },
    "section_titles.yaml": {"titles": ({"vi", "en"}, set())},
    "resources.yaml": {
        "resources": (
            {"name", "title_vi", "title_en", "description_vi", "description_en", "primary_key", "fields"},
            {"foreign_keys"},
        )
    },
    "topics.yaml": {"topics": ({"id", "name_vi", "name_en"}, set())},
    "measures.yaml": {"measures": ({"id", "name_vi", "name_en", "unit", "description_vi", "description_en"}, set())},
    "glossary.yaml": {"terms": ({"vi", "en", "enforce"}, set())},
    "corrections.yaml": {"corrections": ({"report", "indicator", "measure", "value_text", "value", "reason"}, set())},
    "statuses.yaml": {"statuses": ({"id", "name_vi", "name_en", "words", "adjacent"}, set())},
}


# Files that are one mapping: their required and optional top-level keys.
MAPPINGS: dict[str, tuple[set[str], set[str]]] = {
    "package.yaml": (
        {
            "name",
            "version",
            "title_vi",
            "title_en",
            "description_vi",
            "description_en",
            "keywords_vi",
            "keywords_en",
            "homepage",
            "licenses",
            "licence_note_vi",
            "licence_note_en",
            "contributors",
            "spatial",
        },
        set(),
    ),
    "provinces.yaml": ({"national", "issuers", "kinds", "provinces"}, set()),
    "site.yaml": (
        {"database", "search", "tables", "queries", "key_figures", "charts", "downloads"},
        {"sort_keys", "compare"},
    ),
}

FIELD_KEYS = ({"name", "type", "vi", "en", "dvi", "den"}, {"required", "enum", "unique"})


def check_keys(item: Any, required: set[str], optional: set[str], where: str) -> None:
    """A mapping with all of ``required``, and nothing but those and ``optional``."""
    if not isinstance(item, dict):
        raise BaocaoError("must be a mapping", where)
    missing = required - set(item)
    if missing:
        raise BaocaoError(f"lacks {min(missing)!r}", where)
    extra = set(item) - required - optional
    if extra:
        # a ", " inside an unquoted YAML flow value splits it into a bogus key
        raise BaocaoError(f"unknown key {min(extra)!r} (quote values that hold ', ')", where)


def _check(name: str, data: Any) -> None:
    if name in MAPPINGS:
        check_keys(data, *MAPPINGS[name], f"metadata/{name}")
        return
    spec = SPEC.get(name)
    if spec is None:
        return
    where = f"metadata/{name}"
    if not isinstance(data, dict):
        raise BaocaoError("must be a mapping at the top level", where)
    unknown = set(data) - set(spec)
    if unknown:
        raise BaocaoError(f"unknown key {min(unknown)!r} (allowed: {', '.join(sorted(spec))})", where)
    for key, (required, optional) in spec.items():
        items = data.get(key)
        if not isinstance(items, list):
            raise BaocaoError(f"{key!r} must be a list", where)
        for index, item in enumerate(items):
            check_keys(item, required, optional, f"{where}: {key}[{index}]")


def load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_LOADER)
    except FileNotFoundError:
        raise BaocaoError("missing metadata file", path) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise BaocaoError(f"{place}malformed YAML ({problem})", path) from None
    except UnicodeDecodeError:
        raise BaocaoError("not UTF-8 text", path) from None
    _check(path.name, data)
    return data


@dataclass(frozen=True)
class Unit:
    id: str
    name_vi: str
    name_en: str
    aliases: tuple[str, ...]
    base_unit: str
    multiplier: int | float
    quantity: str | None


class Metadata:
    """All of metadata/, loaded lazily, each file once."""

    def __init__(self, root: Path = paths.METADATA):
        self.root = root

    def load(self, name: str) -> Any:
        return load_yaml(self.root / name)

    @cached_property
    def units(self) -> list[Unit]:
        return [
            Unit(
                u["id"],
                u["name_vi"],
                u["name_en"],
                tuple(u["aliases"]),
                u["base_unit"],
                u["multiplier"],
                u.get("quantity"),
            )
            for u in self.load("units.yaml")["units"]
        ]

    @cached_property
    def legal(self) -> dict[str, list[dict[str, Any]]]:
        return self.load("legal.yaml")

    @cached_property
    def sources(self) -> list[dict[str, Any]]:
        records = self.load("sources.yaml")["reports"]
        seen: dict[str, str] = {}
        for index, record in enumerate(records):
            if record["id"] in seen:
                raise BaocaoError(
                    f"reports[{index}]: id {record['id']!r} is also the id of {seen[record['id']]}",
                    self.root / "sources.yaml",
                )
            seen[record["id"]] = record["file"]
        return records

    @cached_property
    def gazetteer(self):
        """metadata/provinces.yaml: the provinces before and after 1 July 2025, and the whole country."""
        from baocao.provenance import Gazetteer

        return Gazetteer(self.load("provinces.yaml"))

    @cached_property
    def topics(self) -> list[dict[str, Any]]:
        return self.load("topics.yaml")["topics"]

    @cached_property
    def measures(self) -> list[dict[str, Any]]:
        return self.load("measures.yaml")["measures"]

    @cached_property
    def glossary(self) -> list[dict[str, Any]]:
        return self.load("glossary.yaml")["terms"]

    @cached_property
    def corrections(self) -> list[dict[str, Any]]:
        return self.load("corrections.yaml")["corrections"]

    @cached_property
    def statuses(self) -> list[dict[str, Any]]:
        return self.load("statuses.yaml")["statuses"]

    def re_record(self, report_id: str, sha256: str) -> None:
        """Write a new checksum for one report into sources.yaml, keeping the file's comments."""
        path = self.root / "sources.yaml"
        record = next(r for r in self.sources if r["id"] == report_id)
        text = path.read_text(encoding="utf-8")
        if text.count(record["sha256"]) != 1:
            raise BaocaoError(f"cannot find the one sha256 of {report_id} to replace", path)
        path.write_text(text.replace(record["sha256"], sha256), encoding="utf-8")
        record["sha256"] = sha256

    @cached_property
    def section_titles(self) -> dict[str, str]:
        return {t["vi"]: t["en"] for t in self.load("section_titles.yaml")["titles"]}

    @cached_property
    def catalog(self):
        """The whole indicator catalog under indicators/ (see baocao.curate)."""
        from baocao.curate import load_catalog

        return load_catalog(self)

    @cached_property
    def site(self) -> dict[str, Any]:
        return self.load("site.yaml")

    @cached_property
    def package(self) -> dict[str, Any]:
        return self.load("package.yaml")

    @cached_property
    def resources(self) -> dict[str, Any]:
        data = self.load("resources.yaml")
        for resource in data["resources"]:
            for field in resource["fields"]:
                where = f"metadata/resources.yaml: {resource['name']}.{field.get('name', '?')}"
                check_keys(field, *FIELD_KEYS, where)
        return data
