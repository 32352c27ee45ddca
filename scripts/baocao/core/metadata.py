"""Hand-written inputs under metadata/, each file read once and checked against its schema (baocao.core.schema)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from baocao.core import paths
from baocao.core.errors import BaocaoError
from baocao.core.schema import load_yaml

__all__ = ["Metadata", "Unit", "load_yaml"]


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
        self._files: dict[tuple[Path, str | None], Any] = {}

    def load(self, name: str) -> Any:
        return self.load_file(self.root / name)

    def load_file(self, path: Path, kind: str | None = None) -> Any:
        """One metadata file, read and checked against its schema (that of ``kind``, or its own) once."""
        key = (Path(path), kind)
        if key not in self._files:
            self._files[key] = load_yaml(Path(path), kind)
        return self._files[key]

    def check_all(self) -> None:
        """Check every file of the folder against its schema now, before any work that may need only some."""
        if not self.root.is_dir():
            raise BaocaoError("no such metadata folder", self.root)
        for path in sorted(self.root.glob("*.yaml")):
            self.load_file(path)
        for path in sorted((self.root / "indicators").glob("*.yaml")):
            self.load_file(path, "indicators")
        for path in sorted((self.root / "vocabulary").glob("*.yaml")):
            self.load_file(path, "vocabulary")
        for path in sorted((self.root / "locators").rglob("*.yaml")):
            self.load_file(path, "locators")

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
        from baocao.core.gazetteer import Gazetteer

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
    def site(self) -> dict[str, Any]:
        return self.load("site.yaml")

    @cached_property
    def package(self) -> dict[str, Any]:
        return self.load("package.yaml")

    @cached_property
    def resources(self) -> dict[str, Any]:
        return self.load("resources.yaml")

    @cached_property
    def messages(self) -> dict[str, Any]:
        """metadata/messages.yaml: the bilingual text the code writes into the package."""
        return self.load("messages.yaml")
