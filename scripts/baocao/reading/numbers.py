"""Vietnamese number notation.

Vietnamese reports write ``.`` between thousands and ``,`` before decimals:
``4.128`` is 4128, ``1.040,1`` is 1040.1, ``0,133`` is 0.133. A few figures slip
into English notation (``71.40%``). The rules, in order:

1. digits only (``03``, ``2304``): an integer; leading zeros are kept in the text only.
2. ``.`` groups of exactly three digits, optionally ``,`` and decimals
   (``2.016.800.000``, ``1.040,1``): Vietnamese.
3. one ``,`` and no ``.`` (``5,45``, ``241,497``): a Vietnamese decimal comma, even
   when three digits follow it. The report's own convention wins over English.
4. one ``.`` followed by anything but three digits (``71.40``, ``1.5``): it cannot be
   a thousands separator, so it is read as an English decimal point and the result
   is marked ``en``, so that every such reading can be listed and reviewed.
5. ``,`` thousand groups then a ``.`` decimal (``1,234.5``): English, marked ``en``.

``1.234`` (one ``.`` then three digits) is always 1234, never 1.234. Anything
else is not a number and raises :class:`NumberFormatError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from baocao.core.errors import BaocaoError

# a number as reports write it (4.128, 1.040,1, 5,45): the span the parser below reads
NUM = r"\d+(?:[.,]\d+)*"

VI = "vi"
EN = "en"
INTEGER = "integer"

_INTEGER = re.compile(r"\d+")
_VI_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_VI_DECIMAL = re.compile(r"\d+,\d+")
_EN_DECIMAL = re.compile(r"\d+\.\d+")
_EN_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+\.\d+")


class NumberFormatError(BaocaoError):
    pass


@dataclass(frozen=True)
class ParsedNumber:
    value: Decimal
    notation: str  # integer, vi or en


def parse_number(text: str) -> ParsedNumber:
    """Parse one number as written in a Vietnamese report."""
    if _INTEGER.fullmatch(text):
        return ParsedNumber(Decimal(text), INTEGER)
    if _VI_GROUPED.fullmatch(text) or _VI_DECIMAL.fullmatch(text):
        return ParsedNumber(Decimal(text.replace(".", "").replace(",", ".")), VI)
    if _EN_DECIMAL.fullmatch(text):
        return ParsedNumber(Decimal(text), EN)
    if _EN_GROUPED.fullmatch(text):
        return ParsedNumber(Decimal(text.replace(",", "")), EN)
    raise NumberFormatError(f"not a number in Vietnamese or English notation: {text!r}")


def format_vi(value: Decimal, decimals: int | None = None) -> str:
    """Write a number the Vietnamese way: ``1040.1`` -> ``1.040,1``."""
    if value < 0:
        return "-" + format_vi(-value, decimals)
    text = format(value, "f") if decimals is None else format(value, f".{decimals}f")
    whole, _, fraction = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = ".".join(groups)
    return f"{out},{fraction}" if fraction else out


def plain(value: Decimal) -> str:
    """The canonical text of a value in the data package: no exponent, no trailing zeros."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


# the counts up to twelve written in words ("Chín tháng đầu năm"), longest first for a regular expression
_WORD_COUNTS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}
COUNT_WORDS = r"mười\s+một|mười\s+hai|" + "|".join(sorted(_WORD_COUNTS, key=len, reverse=True))


def count_of(text: str) -> int:
    """A small count in figures or in words ("9", "chín", "mười một" is 11)."""
    if text.isdigit():
        return int(text)
    words = text.lower().split()
    return _WORD_COUNTS[words[0]] + (_WORD_COUNTS[words[1]] if len(words) > 1 else 0)
