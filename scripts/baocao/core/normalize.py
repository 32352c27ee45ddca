"""A reading copy of a report's text: the same length, so that every offset into it is an offset into the text.

Reports write the same word in several ways: old and new tone placement (``hoà`` /
``hòa``, ``thuỷ`` / ``thủy``, ``uỷ`` / ``ủy``), non-breaking and thin spaces, the
dash family (``–``, ``—``, ``−``). The published text keeps what the report wrote;
the stages that *read* it (numbers, units, clauses, headings, provenance) read the
copy this module makes, in which each of those is written one way. Every change
maps one character to one character, so offsets never move.

Characters that are invisible and carry nothing (zero-width spaces and joiners,
the word joiner, a byte-order mark inside the text, the soft hyphen) are removed
when the source is read (:func:`strip_invisible`), before any offset exists.
"""

from __future__ import annotations

import functools
import re
import unicodedata

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE = re.compile(f"[{INVISIBLE}]")

_SPACES = "\u00a0\u2007\u2009\u202f\u2002\u2003\u2004\u2005\u2006\u2008\u200a\u3000"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_TABLE = str.maketrans({**{c: " " for c in _SPACES}, **{c: "-" for c in _DASHES}, "\t": " "})

# old placement puts the tone on the second vowel of oa, oe, uy; the new one on the first... and
# vice versa: the reading copy writes the tone on the vowel that carries it in the new style (hòa, thủy)
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _retone(first: str, second: str, tone: str) -> str:
    return unicodedata.normalize("NFC", first + tone) + second


def _old_to_new(match: re.Match[str]) -> str:
    first, second = match.group(1), match.group(2)
    decomposed = unicodedata.normalize("NFD", second)
    base, tone = decomposed[0], "".join(c for c in decomposed[1:] if c in _TONES)
    if not tone:
        return match.group(0)
    rest = "".join(c for c in decomposed[1:] if c not in _TONES)
    return _retone(first, unicodedata.normalize("NFC", base + rest), tone)


# "oà", "oá", "oẻ", "uỷ"... at the end of a syllable (no consonant after): hoà, khoẻ, thuỷ, uỷ
_OLD_PLACEMENT = re.compile(
    r"(?i)([oOuU])([àáảãạÀÁẢÃẠèéẻẽẹÈÉẺẼẸỳýỷỹỵỲÝỶỸỴ])(?![a-zA-Zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ])"
)
_PAIRS = {("o", "a"), ("o", "e"), ("u", "y")}


def _placement(match: re.Match[str]) -> str:
    first = match.group(1)
    base = unicodedata.normalize("NFD", match.group(2))[0]
    if (first.lower(), base.lower()) not in _PAIRS:
        return match.group(0)
    # "qu" + vowel: the u is part of the consonant (quý keeps its tone on y)
    start = match.start()
    if first.lower() == "u" and start > 0 and match.string[start - 1] in "qQ":
        return match.group(0)
    return _old_to_new(match)


# "1\u00a0040,1": a non-breaking or thin space between digit groups is a thousands separator
_SPACED_GROUP = re.compile(r"(?<=\d)[\u00a0\u2009\u202f](?=\d{3}(?!\d))")


# "nãm", "tãng": ă written ã by a wrong font conversion, in the two words where it changes what is read
_BREVE_AS_TILDE = re.compile(r"(?<!\w)([nNtT])(?:ã)(ng?|m)(?!\w)")
_BREVE_WORDS = {("n", "m"), ("t", "ng")}


def _breve(match: re.Match[str]) -> str:
    return f"{match[1]}ă{match[2]}" if (match[1].lower(), match[2]) in _BREVE_WORDS else match[0]


@functools.lru_cache(maxsize=256)
def reading_copy(text: str) -> str:
    """The text as the reading stages see it: same length, one spelling for each word, sign and space."""
    copy = _SPACED_GROUP.sub(".", text).translate(_TABLE)
    copy = _OLD_PLACEMENT.sub(_placement, copy)
    return _BREVE_AS_TILDE.sub(_breve, copy) if "ã" in copy else copy


_VI_MARKED = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
# "đạt99,4%", "giảm2,6%", "lúa55,8 tạ/ha", "25tỷ USD": a number glued to a Vietnamese word when a page lost its
# markup; "km2", "H5N1", "4G", "Covid-19" are left as they are
_LETTER_THEN_DIGIT = re.compile(rf"[a-z{_VI_MARKED}](?=\d)")
_DIGIT_THEN_UNIT = re.compile(
    r"\d(?=(?:tỷ|triệu|nghìn|ngàn|đồng|tấn|lượt|người|doanh nghiệp|dự án|hợp tác xã|lao động)(?!\w))"
)


def unglue_numbers(text: str) -> str:
    """The text with a space between a number and the Vietnamese word it was glued to (before any offset)."""
    cuts = [m.end() for m in _DIGIT_THEN_UNIT.finditer(text)]
    for match in _LETTER_THEN_DIGIT.finditer(text):
        start = match.start()
        while start > 0 and text[start - 1].isalpha():
            start -= 1
        word = text[start : match.end()]
        if len(word) >= 2 and word == word.lower() and any(c in _VI_MARKED for c in word):
            cuts.append(match.end())
    if not cuts:
        return text
    pieces, last = [], 0
    for cut in sorted(set(cuts)):
        pieces += [text[last:cut], " "]
        last = cut
    return "".join(pieces) + text[last:]


def strip_invisible(text: str) -> str:
    """The text without characters that show nothing (zero-width spaces, joiners, soft hyphens)."""
    return _INVISIBLE.sub("", text)


# marks that change the order in which text is displayed, not what it says: around "8.214" they make it show
# as "4128" while the data hold 8.214
_BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def displayed_as_stored(text: str) -> tuple[str, list[str]]:
    """The text without bidirectional controls, and with digits of other scripts (full-width, Arabic-Indic,
    mathematical) written as ASCII digits; and a warning for each kind found."""
    warnings = []
    controls = len(_BIDI.findall(text))
    if controls:
        text = _BIDI.sub("", text)
        warnings.append(
            f"{controls} bidirectional control character(s) removed: they make text display in another order "
            "than it is stored"
        )
    others = {c for c in set(text) if c.isdigit() and not c.isascii() and unicodedata.decimal(c, None) is not None}
    if others:
        table = {ord(c): str(unicodedata.decimal(c)) for c in others}
        count = sum(text.count(c) for c in others)
        text = text.translate(table)
        warnings.append(f"{count} digit(s) of other scripts ({''.join(sorted(others))}) read as 0-9")
    return text, warnings


def fold_key(text: str) -> str:
    """Words as compared with a vocabulary: reading copy, no marks, lower case, punctuation as spaces."""
    from baocao.core.text import fold

    folded = fold(reading_copy(text))
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", folded).split())
