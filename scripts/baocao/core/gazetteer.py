"""The gazetteer (metadata/provinces.yaml): the provinces as reports write them, and the whole country."""

from __future__ import annotations

import re
from typing import Any

from baocao.core.errors import BaocaoError
from baocao.core.normalize import reading_copy
from baocao.core.text import fold

__all__ = ["ISSUERS", "Gazetteer"]

ISSUERS = ("ubnd", "statistics_office", "gso", "newspaper", "unknown")

_COMPARED_WITH_COUNTRY = re.compile(
    r"(?i)(?:thứ\s+\d+(?:/\d+)?\s+(?:trong\s+|của\s+)?|so với[^,.;()]{0,30}?|chung\s+(?:của\s+)?)(?:cả nước|toàn quốc)"
)


_BRACKETS = re.compile(r"\([^()]*\)")
_STATED = re.compile(r"(?i:tỉnh|thành phố|tp\.?|thủ đô|cục thống kê)\s*$")


class Gazetteer:
    """metadata/provinces.yaml: names as reports write them, and what each is valid for."""

    def __init__(self, data: dict[str, Any]):
        # the file's shape is checked by its schema (schemas/provinces.schema.json); what a schema cannot say:
        where = "metadata/provinces.yaml"
        for index, province in enumerate(data["provinces"]):
            if province["kind"] not in data["kinds"]:
                raise BaocaoError(f"kind {province['kind']!r} is not one of kinds", f"{where}: [{index}]")
        for kind in ISSUERS:
            if kind not in data["issuers"]:
                raise BaocaoError(f"lacks {kind!r}", f"{where}: issuers")
        self.data = data
        self.provinces = data["provinces"]
        self.national = data["national"]
        self.by_id = {p["id"]: p for p in self.provinces}
        names: list[tuple[str, dict[str, Any]]] = []
        for province in self.provinces:
            for name in [province["name"], *province.get("aliases", [])]:
                names.append((name, province))
        names.sort(key=lambda n: len(n[0]), reverse=True)
        self._names = names
        self._pattern = re.compile(
            "|".join(
                rf"(?<!\w){re.escape(reading_copy(n))}(?!\w)|(?<!\w){re.escape(reading_copy(n).upper())}(?!\w)"
                for n, _ in names
            )
        )
        self._lookup = {reading_copy(n): p for n, p in names} | {reading_copy(n).upper(): p for n, p in names}
        self._folded = {fold(n): p for n, p in names} | {fold(p["id"].replace("-", " ")): p for p in self.provinces}
        words = self.national["words"]
        self._national = re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words))

    def mentions(self, text: str) -> list[tuple[dict[str, Any], bool]]:
        """Every province named in ``text``, in order, each with whether it is stated as "tỉnh X", "thành phố X",
        "TP X" or "Cục Thống kê X"."""
        reading = reading_copy(text)
        found = []
        for match in self._pattern.finditer(reading):
            before = reading[max(0, match.start() - 16) : match.start()]
            found.append((self._lookup[match.group(0)], bool(_STATED.search(before))))
        return found

    def find(self, text: str) -> tuple[dict[str, Any] | None, bool]:
        """The province a text is about: (province, stated as "tỉnh X"/"thành phố X"), earliest first; a province
        named but not stated only when it is the one province the text names."""
        found = self.mentions(_BRACKETS.sub(lambda m: " " * len(m.group(0)), text))  # "(sau tỉnh X)" compares
        strong = next((p for p, stated in found if stated), None)
        if strong:
            return strong, True
        named = {p["id"]: p for p, _ in found}
        return (next(iter(named.values())), False) if len(named) == 1 else (None, False)

    def national_in(self, text: str) -> bool:
        """Whether ``text`` is about the whole country; "đứng thứ 7 cả nước", "so với cả nước" compare with it."""
        reading = _COMPARED_WITH_COUNTRY.sub(" ", reading_copy(text))
        return bool(self._national.search(reading))

    def named(self, value: str) -> dict[str, Any] | None:
        key = fold(value.strip())
        key = re.sub(r"^(?:tinh|thanh pho|tp\.?)\s+", "", key)
        if key in (fold(self.national["name"]), "national", "ca nuoc", fold(self.national["id"].replace("-", " "))):
            return {"id": self.national["id"], "name": self.national["name"], "kind": "ca_nuoc"}
        return self._folded.get(key)
