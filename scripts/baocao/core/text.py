"""Small text helpers shared by the stages: sentences, ASCII folding, slugs."""

from __future__ import annotations

import re
import unicodedata

_BULLET_MARK = re.compile(r"^(?:[-+] )?")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”)]?\s+(?=[\"“(]?(\w))")


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
            following = match.group(1)
            if not (following.isupper() or following.isdigit()):
                continue
            spans.append((offset + start, offset + match.start()))
            start = match.end()
        if line[start:].strip():
            spans.append((offset + start, offset + len(line.rstrip())))
        offset += len(line) + 1
    return [part for s, e in spans if e > s for part in _bounded(text, s, e)]


# A sentence longer than this is cut at its last "; ", else ", " else space past its middle: every figure's
# reading looks at its sentence, so an unpunctuated page would cost time and space quadratic in its length.
# The longest sentence of the first report has 1,091 characters.
MAX_SENTENCE = 2000


def _bounded(text: str, start: int, end: int) -> list[tuple[int, int]]:
    parts = []
    while end - start > MAX_SENTENCE:
        limit, half = start + MAX_SENTENCE, start + MAX_SENTENCE // 2
        cut = next((c for mark in ("; ", ", ", " ") if (c := text.rfind(mark, half, limit)) > half), limit)
        parts.append((start, cut))
        start = cut
        while start < end and text[start] in ";, ":
            start += 1
    if end > start:
        parts.append((start, end))
    return parts


_FOLD: dict[int, str] = {}


def _fold_table() -> dict[int, str]:
    """Every Latin letter with marks (Latin-1 to Latin Extended Additional) mapped to its base letter."""
    if not _FOLD:
        for code in range(0x00C0, 0x1F00):
            char = chr(code)
            base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
            if base != char and base.isascii():
                _FOLD[code] = base
        _FOLD[ord("Đ")], _FOLD[ord("đ")] = "D", "d"
    return _FOLD


def fold(text: str) -> str:
    """Vietnamese without diacritics, lower case: 'Chợ Đồn' -> 'cho don'."""
    folded = text.translate(_fold_table())
    if not folded.isascii():  # decomposed input, or marks the table does not know
        folded = "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))
    return folded.lower()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


_VI_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền, hỏi, ngã, sắc, nặng
_VOWEL_MARKS = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}


def vi_sort_key(text: str) -> str:
    """A key that sorts Vietnamese in dictionary order: a < ă < â < b ... d < đ, tones after letters."""
    letters: list[str] = []
    tones: list[str] = []
    for char in text.lower():
        if char == "đ":
            letters.append(char)
            tones.append("0")
            continue
        base, *marks = unicodedata.normalize("NFD", char)
        tone = 0
        for mark in marks:
            if mark in _TONES:
                tone = _TONES[mark]
            else:
                base = _VOWEL_MARKS.get((base, mark), base)
        letters.append(base)
        tones.append(str(tone))
    primary = "".join(chr(0x100 + _VI_ALPHABET.index(c)) if c in _VI_ALPHABET else c for c in letters)
    return primary + "\x00" + "".join(tones)
