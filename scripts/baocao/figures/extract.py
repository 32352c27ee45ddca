"""Stage 3, extract: every number of a report, with its unit, qualifier and sentence.

Generic: it knows Vietnamese notation and the unit list in metadata/, nothing of
any one report. Dates (08/12/2023, tháng 6, quý II/2024), years (năm 2024,
2021-2025) and the symbols of cited documents (82/NQ-HĐND) are not mentions.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal

from baocao.core.labels import labels
from baocao.core.metadata import Metadata, Unit
from baocao.core.normalize import reading_copy
from baocao.core.text import sentence_spans
from baocao.reading.legal import LegalExtractor, collect
from baocao.reading.numbers import NUM, NumberFormatError, parse_number
from baocao.reading.parse import Document

SINGLE, NUMERATOR, DENOMINATOR, RANGE_LOW, RANGE_HIGH = (
    "single",
    "numerator",
    "denominator",
    "range_low",
    "range_high",
)

# not inside a word or a number; after "/" only where no digit precedes it ("...)/58.176 lượt")
_NUMBER = re.compile(rf"(?<![\w.,])(?<!\d/)(?<!\d /){NUM}")
_NUMBER_AT = re.compile(NUM)
_DATE_PATTERNS = [
    r"(?<![\d/])\d{1,2}/\d{1,2}/\d{4}(?!\d)",  # 08/12/2023
    r"(?:[Tt]háng|[Qq]uý\s+[IVX]+)\s*/?\s*\d{1,2}/\d{4}(?!\d)",  # tháng 12/2024
    r"(?<=[IVX]/)\d{4}",  # quý II/2024
    r"[Qq]u[ýí]\s+[1-4](?![\d.,%])(?:\s*/\s*\d{4}(?!\d))?",  # quý 3, quý 3/2024
    # tháng 6, tháng 12 năm trước
    r"[Tt]háng\s+\d{1,2}(?![\d/]|[.,]\d)(?!\s*(?:tháng|năm(?!\s+(?:trước|nay|ngoái|(?:19|20)\d{2})(?!\w))))",
    r"(?<![\d.,])(?:19|20)\d{2}\s?[-–]\s?(?:19|20)\d{2}(?![\d.,])",  # 2021-2025
    r"(?<=\bnăm )(?:19|20)\d{2}(?![\d.,])",  # năm 2023, whatever follows
    r"(?<![\d.,])\d{1,5}:\d{4}(?!\d)",  # ISO 9001:2015
]
# every date starts with a digit or with "tháng"/"quý": positions that do not are passed over at once
_YEAR_NUMBER = re.compile(r"(?:19|20)\d{2}")


class _Spans:
    """Sorted spans of text that hold no figure, asked whether a number touches one."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = spans
        self.starts = [s for s, _ in spans]
        self.widest = max((e - s for s, e in spans), default=0)

    def touch(self, start: int, end: int) -> bool:
        # spans are sorted: only those starting within the widest span's reach can overlap
        first = bisect.bisect_left(self.starts, start - self.widest)
        last = bisect.bisect_left(self.starts, end)
        return any(self.spans[i][1] > start for i in range(first, last))


_DATES = re.compile(r"(?=[\dTtQq])(?:" + "|".join(f"(?:{p})" for p in _DATE_PATTERNS) + ")")
# What is written with digits but is not a figure: page chrome and names around a report's text.
# Each pattern is tried only where a cheap look at the text (and its lower case) finds what it needs.
_TLD = re.compile(r"\.(?:vn|com|net|org|info)\b")
_WORD_DASH_DIGIT = re.compile(r"\w-\d")
_PHONE_WORDS = ("hotline", "đường dây nóng", "điện thoại", "đt", "fax", "tel")
_COUNTER_WORDS = ("bình luận", "lượt xem", "lượt thích", "lượt chia sẻ")
_NOT_FIGURES = [
    (need, re.compile(pattern))
    for need, pattern in [
        # a time: 03:14, 14:05:09
        (lambda text, lower: ":" in text, r"(?<![\d.,:])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?![\d])"),
        # a month: 01/2025, 10/2023
        (lambda text, lower: "/" in text, r"(?<![\d/.,])(?:0?[1-9]|1[0-2])/(?:19|20)\d{2}(?![\d/])"),
        # a URL
        (lambda text, lower: "http" in lower or "www." in lower, r"(?i:https?://|www\.)[^\s,;)]+"),
        # an e-mail address
        (lambda text, lower: "@" in text, r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
        # a domain
        (
            lambda text, lower: _TLD.search(lower) is not None,
            r"(?<![\w.])[\w-]+(?:\.[\w-]+)*\.(?:gov\.vn|com\.vn|org\.vn|net\.vn|edu\.vn|vn|com|net|org|info)\b[^\s,;)]*",
        ),
        # a phone line
        (
            lambda text, lower: any(k in lower for k in _PHONE_WORDS),
            r"(?i:hotline|đường dây nóng|điện thoại|đt|sđt|fax|tel)\s*:?\s*\+?[\d\s().-]{6,}\d",
        ),
        # a name with a number: Covid-19, SARS-CoV-2
        (
            lambda text, lower: "-" in text and _WORD_DASH_DIGIT.search(text) is not None,
            r"(?<![\w-])[A-Za-zĐđ][\w]*-\d+\b",
        ),
        # a page's counters
        (
            lambda text, lower: any(k in lower for k in _COUNTER_WORDS),
            r"(?i:bình luận|lượt xem|lượt thích|lượt chia sẻ)\s*[(:]?\s*\d+\)?",
        ),
    ]
]
# 0912 345 678, (0209) 3870 123, +84 912 345 678: nine to eleven digits starting with 0 or +84
_PHONE = re.compile(r"(?:\+84[\s.]?|\(0\d{1,4}\)\s?|(?<![\d.,/])0)\d{1,4}(?:[\s.-]?\d{2,4}){1,3}(?![\d.,])")
# a day/month date (9/7, 04/6) is told from a count of a total (9/12 xã) by a leading zero, a word
# of time before it, or a short line of page chrome around it
_DAY_MONTH = re.compile(r"(?<![\d/.,])(0?[1-9]|[12]\d|3[01])/(0?[1-9]|1[0-2])(?![\d/]|[.,]\d)")
_DATE_WORDS = re.compile(
    r"(?i:ngày|hôm|sáng|trưa|chiều|tối|đêm|từ|đến|tới|trước|sau|lúc|cập nhật|đăng|thứ \w+|chủ nhật|và|lễ|dịp"
    r"|\d{1,2}:\d{2})\W{0,3}$"
)
_BARE_SCALE = re.compile(r"\s?(tỷ|triệu)(?![\w/])")
_SCALED = {
    ("tỷ", "usd"): "ty_usd",
    ("tỷ", "vnd"): "ty_dong",
    ("triệu", "usd"): "trieu_usd",
    ("triệu", "vnd"): "trieu_dong",
}
_USD = re.compile(r"(?<!\w)(?:USD|đô la)(?!\w)")
_VND = re.compile(r"(?<!\w)(?:đồng|VNĐ|VND)(?!\w)")
_PERIOD_AFTER = re.compile(r"\s+(?:tăng|giảm)\b|\s+(?:đầu|cuối)?\s*năm|\s+đầu\b|\s+cuối\b|,|\s*$|\s+\(")
_RANGE_SEP = re.compile(r"\s?[-–]\s?")
_SLASH = re.compile(r"\s?/\s?")
_ORDINAL_BEFORE = re.compile(r"(?:\bthứ|\bvị trí|(?<![Tt]ổng )\bsố|\blần|\bđợt|\bKhu|\bĐề án|\bkhóa|\bkhoá)\s+$")


@dataclass
class Mention:
    section_id: str
    value: Decimal
    value_text: str
    notation: str
    value_start: int
    value_end: int
    unit_id: str | None
    role: str
    expression: str
    qualifier: str | None
    obs_status: str
    kind: str  # quantity or ordinal
    quote: str
    quote_start: int
    quote_end: int
    unit_from: str | None = None  # text: written after the number; clause: a bare "tỷ" given its currency


class Extractor:
    def __init__(self, metadata: Metadata | None = None):
        self.metadata = metadata or Metadata()
        units: list[Unit] = self.metadata.units
        alias_to_unit = {}
        for unit in units:
            for alias in unit.aliases:
                alias_to_unit.setdefault(alias, unit.id)
        self.alias_to_unit = alias_to_unit
        self.unit_quantity = {unit.id: unit.quantity for unit in units}
        alias_to_unit = {reading_copy(a): u for a, u in alias_to_unit.items()} | alias_to_unit
        self.alias_to_unit = alias_to_unit
        aliases = sorted(alias_to_unit, key=len, reverse=True)
        self.unit_pattern = re.compile(r"\s?(" + "|".join(re.escape(a) for a in aliases) + r")(?![\w])")
        self._legal_cache: dict[str, list[tuple[int, int, dict]]] = {}
        self.legal = LegalExtractor(
            self.metadata.legal["document_types"],
            self.metadata.legal["issuers"],
            labels(self.metadata)["citations"]["issuer_of_kind"],
        )
        statuses = self.metadata.statuses
        self.status_order = [s["id"] for s in statuses]
        self.adjacent_words = {w: s["id"] for s in statuses if s["adjacent"] for w in s["words"]}
        self.clause_words = {w: s["id"] for s in statuses if not s["adjacent"] for w in s["words"]}

        def alternation(words: dict[str, str]) -> str:
            return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))

        # "khoảng hơn 25 tỷ": adjacent words may be chained
        self.adjacent_pattern = re.compile(rf"(?:(?<!\w)(?:{alternation(self.adjacent_words)})\s+)+$", re.IGNORECASE)
        self.word_pattern = re.compile(rf"(?<!\w)({alternation(self.adjacent_words)})(?!\w)", re.IGNORECASE)
        self.clause_pattern = re.compile(rf"(?<!\w)({alternation(self.clause_words)})(?!\w)", re.IGNORECASE)

    def unit_at(self, text: str, pos: int) -> tuple[str | None, int]:
        match = self.unit_pattern.match(text, pos)
        if match:
            return self.alias_to_unit[match.group(1)], match.end()
        return None, pos

    def bare_scale_at(self, text: str, pos: int, sentence: tuple[int, int]) -> tuple[str | None, int, bool]:
        """A scale word with no currency after it ("1,2 tỷ"): the currency of its sentence, if it has one only."""
        match = _BARE_SCALE.match(text, pos)
        if not match:
            return None, pos, False
        clause = text[sentence[0] : sentence[1]]
        currencies = {c for c, pattern in (("usd", _USD), ("vnd", _VND)) if pattern.search(clause)}
        if len(currencies) != 1:
            return None, pos, True  # which currency is not said: the unit stays unknown
        return _SCALED[(match.group(1), currencies.pop())], match.end(), True

    def excluded_spans(self, text: str) -> list[tuple[int, int]]:
        spans = [(m.start(), m.end()) for m in _DATES.finditer(text)]
        lower = text.lower()
        for need, pattern in _NOT_FIGURES:
            if need(text, lower):
                spans += [(m.start(), m.end()) for m in pattern.finditer(text)]
        spans += [m.span() for m in _PHONE.finditer(text) if 9 <= sum(c.isdigit() for c in m.group(0)) <= 12]
        for match in _DAY_MONTH.finditer(text):
            day, month = match.group(1), match.group(2)
            line_start = text.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.end())
            line = text[line_start : line_end if line_end >= 0 else len(text)]
            bracketed = text[match.start() - 1 : match.start()] == "(" and text[match.end() : match.end() + 1] == ")"
            if bracketed or _DATE_WORDS.search(text, max(line_start, match.start() - 16), match.start()):
                spans.append(match.span())  # "ngày 04/6 tỉnh ...": a date, whatever follows
            elif self.unit_at(text, match.end())[0] is not None:
                continue  # "3/5 tiêu chí": a count of a total
            elif day.startswith("0") or month.startswith("0") or len(line.strip()) <= 40:
                spans.append(match.span())
        spans += [(start, end) for start, end, _ in self.legal_in(text)]
        return sorted(spans)

    def legal_in(self, text: str) -> list[tuple[int, int, dict]]:
        """Cited documents in a text; the last texts asked about are remembered (mentions ask first)."""
        found = self._legal_cache.get(text)
        if found is None:
            if len(self._legal_cache) > 256:
                self._legal_cache.clear()
            found = self._legal_cache[text] = self.legal.find(text)
        return found

    def mentions(self, section_id: str, published: str) -> list[Mention]:
        """Every figure of a section's text; matching reads its reading copy, quotes come from the text."""
        text = reading_copy(published)
        excluded = _Spans(self.excluded_spans(text))
        sentences = sentence_spans(text)
        starts = [s for s, _ in sentences]

        def sentence_at(start: int, end: int) -> tuple[int, int]:
            i = bisect.bisect_right(starts, start) - 1
            return sentences[i] if i >= 0 and start < sentences[i][1] else (start, end)

        out: list[Mention] = []
        pos = previous_end = 0
        while match := _NUMBER.search(text, pos):
            start, pos = match.span()
            figure = self._figure(text, match, excluded, sentence_at)
            if figure is None:
                continue
            parts, part_units, role, after, unit, unit_from = figure
            sentence = sentence_at(start, after)
            clause_start = max(sentence[0], previous_end, text.rfind(";", 0, start) + 1)
            qualifier, status, kind = self._qualify(text, clause_start, start, unit, after)
            roles = (
                [role]
                if len(parts) == 1
                else ([NUMERATOR, DENOMINATOR] if role == NUMERATOR else [RANGE_LOW, RANGE_HIGH])
            )
            for (reading, vstart, vend), part_role, part_unit in zip(parts, roles, part_units, strict=True):
                try:
                    parsed = parse_number(reading)
                except NumberFormatError:
                    continue
                out.append(
                    Mention(
                        section_id=section_id,
                        value=parsed.value,
                        value_text=published[vstart:vend],
                        notation=parsed.notation,
                        value_start=vstart,
                        value_end=vend,
                        unit_id=part_unit,
                        role=part_role,
                        expression=published[start:after].strip(),
                        # in "ước đạt 1.073/2.980 tấn" the qualifier is the achieved figure's, not the plan's
                        qualifier=None if part_role == DENOMINATOR else qualifier,
                        obs_status="normal" if part_role == DENOMINATOR else status,
                        kind=kind,
                        quote=published[sentence[0] : sentence[1]],
                        quote_start=sentence[0],
                        quote_end=sentence[1],
                        unit_from=unit_from if part_unit == unit else ("text" if part_unit else None),
                    )
                )
            previous_end = after
            pos = max(pos, after)
        return out

    def _figure(self, text: str, match: re.Match, excluded: _Spans, sentence_at) -> tuple | None:
        """The number at ``match`` with its unit, and the b of "a/b" or the high end of "a-b" after it:
        (parts, their units, role, where the figure ends, the unit, where the unit came from); None for a
        number that is not a figure (a date, an identifier, a year)."""
        start, end = match.span()
        number = match.group(0)
        if excluded.touch(start, end) or (start > 0 and text[start - 1].isalpha()):
            return None  # a date, a code, or glued to letters before it: an identifier (NĐ75, QH15)
        unit, after = self.unit_at(text, end)
        unit_from = "text" if unit else None
        if unit is None:
            unit, after, scaled = self.bare_scale_at(text, end, sentence_at(start, end))
            unit_from = "clause" if unit else None
            if scaled and unit is None:
                after = _BARE_SCALE.match(text, end).end()
        if unit is None and end < len(text) and text[end].isalpha():
            return None  # glued to letters after it: an identifier (3G, 4G)
        if unit is None and _YEAR_NUMBER.fullmatch(number):
            return None  # a year
        parts, part_units, role = [(number, start, end)], [unit], SINGLE
        # a/b: achieved of planned, or a count of a total
        slash = _SLASH.match(text, after)
        if slash and (nxt := _NUMBER_AT.match(text, slash.end())) and not excluded.touch(nxt.start(), nxt.end()):
            parts.append((nxt.group(0), nxt.start(), nxt.end()))
            unit2, after2 = self.unit_at(text, nxt.end())
            # "16.581/16.687 ha": the unit after the total is the unit of both
            part_units = [unit or unit2, unit2 or unit]
            after = after2 if unit2 else nxt.end()
            role = NUMERATOR
        elif unit is None or unit in ("percent", "percent_per_year"):
            dash = _RANGE_SEP.match(text, end)
            if dash and (nxt := _NUMBER_AT.match(text, dash.end())):
                unit2, after2 = self.unit_at(text, nxt.end())
                if unit2 is not None and not excluded.touch(nxt.start(), nxt.end()):
                    parts.append((nxt.group(0), nxt.start(), nxt.end()))
                    part_units = [unit2, unit2]
                    after, role = after2, RANGE_LOW
        return parts, part_units, role, after, unit, unit_from

    def _qualify(self, text: str, clause_start: int, start: int, unit: str | None, after: int):
        """(qualifier words, status, kind) of a figure from the words of its clause before it."""
        before = text[clause_start:start]
        qualifiers, statuses = [], []
        for found in self.clause_pattern.finditer(before):
            qualifiers.append(found.group(1))
            statuses.append(self.clause_words[found.group(1).lower()])
        chained = self.adjacent_pattern.search(before)
        if chained:
            for found in self.word_pattern.finditer(chained.group(0)):
                qualifiers.append(found.group(1))
                statuses.append(self.adjacent_words[found.group(1).lower()])
        status = next((s for s in self.status_order if s in statuses), "normal")
        kind = "ordinal" if _ORDINAL_BEFORE.search(text, clause_start, start) else "quantity"
        if unit is not None and self.unit_quantity[unit] == "rating":
            kind = "ordinal"  # "sản phẩm OCOP 4 sao": a category, not a count
        if unit == "thang" and _PERIOD_AFTER.match(text, after):
            kind = "period"  # "6 tháng đầu năm": the reporting period, not a figure
        return " ".join(qualifiers) or None, status, kind

    def document_mentions(self, document: Document) -> list[Mention]:
        out = []
        for section in document.sections:
            out.extend(self.mentions(section.section_id, section.text))
        return out

    def legal_documents(self, document: Document):
        found = []
        for section in document.sections:
            for start, end, info in self.legal_in(section.text):
                found.append((section.section_id, start, end, section.text[start:end], info))
        return collect(found)
