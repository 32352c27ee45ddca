"""Figures listed "respectively": "A, B và C tăng lần lượt là 3,1%, 7,2% và 6,3%", "xuất khẩu và nhập khẩu đạt
tương ứng 1.234 và 987 triệu USD". The n figures of the run go to the n items named before them, in order;
a list whose items cannot be told apart into n is left unresolved rather than bound by guess."""

from __future__ import annotations

import re
from dataclasses import dataclass

from baocao.figures.extract import SINGLE, Mention

_RESPECTIVELY = re.compile(
    r"(?i)\s+(?:(?:ước\s+)?(?:tăng|giảm|đạt|chiếm|bằng)\s+)?(?:lần lượt|tương ứng)(?:\s+là)?"
    r"(?:\s+(?:tăng|giảm|đạt|chiếm|bằng))?\s*:?\s*$"
)
_SEPARATOR = re.compile(r",\s*|\s+và\s+")
# where one item of a list starts: the separators before these words only ("nông, lâm nghiệp và thủy sản" stays whole)
_ITEM_HEAD = re.compile(
    r"(?:,\s*|\s+và\s+)(?=(?:khu vực|ngành|lĩnh vực|kim ngạch|chỉ số|tổng|thu|chi|vốn|giá trị|sản lượng|diện tích)\b)",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"\s*(?:,|và|;)?\s*(?:,|và)?\s*")


@dataclass
class Listing:
    items: list[str]
    measure: str | None
    direction: str | None
    next: int = 1

    def take(self) -> str | None:
        item = self.items[self.next] if self.next < len(self.items) else None
        self.next += 1
        return item


def run_lengths(text: str, ordered: list[tuple[int, Mention]], unit_text) -> dict[int, int]:
    """For each figure, how many figures of its unit follow it in its sentence, each after only a comma or "và"
    (and the unit of the one before): the length of the run a list would bind."""
    runs: dict[int, int] = {}
    for i in range(len(ordered) - 1, -1, -1):
        _, mention = ordered[i]
        runs[i] = 1
        if i + 1 < len(ordered):
            _, after = ordered[i + 1]
            between = text[mention.value_end : after.value_start]
            unit = unit_text(mention).strip()
            if unit and between.lstrip().startswith(unit):
                between = between.lstrip()[len(unit) :]
            if (
                after.quote_start == mention.quote_start
                and after.unit_id == mention.unit_id
                and after.role == SINGLE == mention.role
                and _BETWEEN.fullmatch(between)
            ):
                runs[i] = runs[i + 1] + 1
    return runs


def list_head(lead: str) -> str | None:
    """The words naming the items before "lần lượt" / "tương ứng", or None if the figure starts no such list."""
    match = _RESPECTIVELY.search(lead)
    return lead[: match.start()] if match else None


def split_items(head: str, count: int, clean) -> list[str] | None:
    """The ``count`` items a list names, split at every comma and "và", else only before an item's head word."""
    for pattern in (_SEPARATOR, _ITEM_HEAD):
        items = [clean(part) for part in pattern.split(head)]
        items = [item for item in items if item]
        if len(items) == count:
            return items
    return None
