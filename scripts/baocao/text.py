"""Small text helpers shared by the stages: sentences, ASCII folding, slugs."""

from __future__ import annotations

import re
import unicodedata

_BULLET_MARK = re.compile(r"^(?:[-+] )?")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”)]?\s+(?=[\"“(]?[A-ZÀ-ỸĐ0-9])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: lines are split at sentence ends, and lines are sentences.

    A sentence ends at ``.``, ``!``, ``?`` or ``…`` followed by white space and a
    capital letter or digit; ``1.040,1`` and ``...và`` do not end one.
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        start = len(_BULLET_MARK.match(line).group(0))
        for match in _SENTENCE_END.finditer(line):
            spans.append((offset + start, offset + match.start()))
            start = match.end()
        if line[start:].strip():
            spans.append((offset + start, offset + len(line.rstrip())))
        offset += len(line) + 1
    return [(s, e) for s, e in spans if e > s]


def fold(text: str) -> str:
    """Vietnamese without diacritics, lower case: 'Chợ Đồn' -> 'cho don'."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
