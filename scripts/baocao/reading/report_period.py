"""The reporting period a report names: its title or opening phrase of period ("6 tháng đầu năm 2024", "tháng 5
và 5 tháng", "quý III và 9 tháng"), never a comparison, a price base, a start year or a target year; and the
period given on the command line (``--period``)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from baocao.core.errors import BaocaoError
from baocao.core.normalize import reading_copy
from baocao.reading.numbers import COUNT_WORDS, count_of

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# a year's plan or tasks: "... năm 2023 và kế hoạch năm 2024" is a report on 2023
_NEXT_WORDS = r"(?:kế hoạch|phương hướng|nhiệm vụ|mục tiêu|dự kiến|dự báo)[^.;\n]{0,40}$"
_NEXT_PERIOD = re.compile(rf"(?i)(?:\b(?:và|;|,)\s+){_NEXT_WORDS}")
_NEXT_AT_START = re.compile(rf"(?i)^\W*{_NEXT_WORDS}")
_Y = r"(?P<year>(?:19|20)\d{2})"
# over the reading copy; _period_from turns each (by its index) into (start month, end month, year)
_SEP = r"(?:\s+năm\s+|\s*/\s*|\s*-\s*)"  # quý I năm 2022, quý I/2022, tháng 10-2023
_N = rf"(?P<n>\d{{1,2}}|{COUNT_WORDS})"  # months in figures or words: "9 tháng", "Chín tháng đầu năm"
_PERIODS: list[re.Pattern[str]] = [
    re.compile(rf"(?i)\b{_N}\s+tháng\s+cuối\s+năm\s+{_Y}"),
    re.compile(rf"(?i)\b{_N}\s+tháng\s+(?:đầu\s+)?(?:năm\s+)?{_Y}"),
    re.compile(rf"(?i)\bquý\s+(?P<q>IV|III|II|I|[1-4]){_SEP}{_Y}"),
    re.compile(rf"(?i)\btháng\s+(?P<m>0?[1-9]|1[0-2]){_SEP}{_Y}"),
    re.compile(rf"(?i)\b(?:cả\s+)?năm\s+{_Y}(?!\s*-)"),
]
# "6 tháng đầu năm" with no year: the year of the publication date
_N_MONTHS_NO_YEAR = re.compile(rf"(?i)\b{_N}\s+tháng\s+(?P<edge>đầu|cuối)\s+năm(?!\s*(?:/|\d|năm))")


@dataclass(frozen=True)
class Period:
    start: str
    end: str
    phrase: str | None


def _period_from(match: re.Match[str], index: int) -> tuple[int, int, int] | None:
    year = int(match["year"])
    if index == 0:
        n = count_of(match["n"])
        return 13 - n, 12, year
    if index == 1:
        return 1, count_of(match["n"]), year
    if index == 2:
        q = _ROMAN[match["q"].upper()]
        return 3 * q - 2, 3 * q, year
    if index == 3:
        month = int(match["m"])
        return month, month, year
    return 1, 12, year


def _iso(first: int, last: int, year: int) -> tuple[str, str] | None:
    if not (1 <= first <= last <= 12):
        return None
    end_day = calendar.monthrange(year, last)[1]
    return f"{year:04d}-{first:02d}-01", f"{year:04d}-{last:02d}-{end_day:02d}"


# what names another period than the one reported on: a comparison ("so với cùng kỳ năm 2023", "so với tháng
# 12-2023"), a price base ("giá so sánh năm 2010"), a start ("từ năm 1992"), a plan compared with ("đạt 103% kế
# hoạch năm 2022") and a bracket about another period ("(cơ cấu tương ứng của 6 tháng đầu năm 2023 là ...)")
_NOT_REPORTED = re.compile(
    r"(?i)so\s+(?:với\s+)?(?:cùng\s+kỳ\s+)?(?:tháng|quý|năm|kỳ|cùng|đầu|cuối|\d)[^,.;()]{0,40}"
    r"|giá\s+so\s+sánh(?:\s+năm)?\s+\d{4}|(?:từ|sau|trước)\s+năm\s+\d{4}|cùng\s+kỳ\s+năm\s+\d{4}"
    r"|%\s*(?:so với\s+)?(?:kế hoạch|KH|dự toán|chỉ tiêu|mục tiêu)[^,.;()]{0,30}"
    r"|\([^()]{0,200}?(?:tương ứng|cùng kỳ|năm trước|so với|tăng|giảm)[^()]{0,200}\)"
)


def _mask(reading: str) -> str:
    return _NOT_REPORTED.sub(lambda m: " " * len(m.group(0)), reading)


# "tháng 5/2025 ... lũy kế 5 tháng", "quý III ... tính chung 9 tháng": the months from January to that month
_CUMULATIVE_NO_YEAR = re.compile(rf"(?i)\b(?:lũy kế|tính chung|cộng dồn|trong|sau|qua)?\s*{_N}\s+tháng(?!\s*\d)")


# "Năm 2025 phấn đấu …": a later year named for a target, not the period reported on
_TARGET_AFTER = re.compile(r"(?i)[^.;\n]{0,30}?(?:phấn đấu|mục tiêu|kế hoạch|dự kiến|dự báo|định hướng|chỉ tiêu)")


def period_of(text: str, year_hint: int | None = None) -> Period | None:
    """The reporting period a title or an opening sentence names, or None.

    ``10 tháng năm 2023`` is January–October, ``tháng 9 năm 2021`` September,
    ``quý I/2022`` January–March, ``6 tháng cuối năm 2023`` July–December,
    ``năm 2023 và kế hoạch năm 2024`` 2023. The earliest phrase wins, and the months
    from January to its end when the text names them too (``tháng 10 và 10 tháng``,
    ``quý III ... tính chung 9 tháng``). A comparison, a price base or a bracket about
    another period names no reporting period.
    """
    reading = _mask(reading_copy(text))
    found: list[tuple[int, int, tuple[int, int, int], str]] = []  # (start, end, months, phrase)
    plans: list[tuple[int, int, tuple[int, int, int], str]] = []  # phrases of a next period's plan
    for index, pattern in enumerate(_PERIODS):
        for match in pattern.finditer(reading):
            months = _period_from(match, index)
            if not months:
                continue
            before = reading[max(0, match.start() - 60) : match.start()]
            plan = _NEXT_PERIOD.search(before) or (match.start() <= 60 and _NEXT_AT_START.search(before))
            # "... và kế hoạch năm 2024": the next period's plan, not the period reported on (unless it is all there is)
            (plans if plan else found).append((match.start(), match.end(), months, text[match.start() : match.end()]))
    if year_hint:
        for match in _N_MONTHS_NO_YEAR.finditer(reading):
            n = count_of(match["n"])
            months = (1, n, year_hint) if match["edge"].lower() == "đầu" else (13 - n, 12, year_hint)
            found.append((match.start(), match.end(), months, text[match.start() : match.end()]))
    found = found or plans
    # "năm 2024" inside "6 tháng đầu năm 2024" is part of that phrase
    found = [f for f in found if not any(o is not f and o[0] <= f[0] and f[1] <= o[1] for o in found)]
    if not found:
        return None
    first_at = min(f[0] for f in found)
    # phrases close to the first one describe the same period: the widest of them ("tháng 10 và 10 tháng")
    near = [f for f in found if f[0] - first_at <= 24 and "\n" not in reading[first_at : f[0]]]
    _, _, (first, last, year), phrase = max(near, key=lambda f: (f[2][1] - f[2][0], -f[0]))
    if first > 1:
        first, phrase = _cumulative(reading, text, found, first, last, year, phrase)
    elif (first, last) == (1, 12):  # "năm 2024" beside "tính chung 11 tháng": the eleven months of that year
        months = next((count_of(m["n"]) for m in _CUMULATIVE_NO_YEAR.finditer(reading) if count_of(m["n"]) < 12), None)
        if months and months > 1:
            last = months
    if any(f[2][2] > year and not _TARGET_AFTER.match(reading, f[1]) for f in found):
        return None  # "năm 2021 … 9 tháng năm 2022": a later year named after it, the period is not settled
    iso = _iso(first, last, year)
    return Period(iso[0], iso[1], phrase) if iso else None


def _cumulative(reading: str, text: str, found: list, first: int, last: int, year: int, phrase: str) -> tuple[int, str]:
    """A month's or a quarter's release that also gives the months from January to its end."""
    for _, _, (f_first, f_last, f_year), f_phrase in found:
        if (f_first, f_last, f_year) == (1, last, year) and "tháng" in f_phrase.lower():
            return 1, f_phrase
    for match in _CUMULATIVE_NO_YEAR.finditer(reading):
        if count_of(match["n"]) == last and last > 1:
            return 1, text[match.start() : match.end()].strip()
    return first, phrase


def parse_period_option(value: str) -> tuple[str, str]:
    """``--period``: 2024-01-01/2024-06-30, 2024, 2024-09 (a month), 2024-Q3, 2024-H1, 2024-H2 or 2024-9M."""
    value = value.strip()
    try:
        if "/" in value:
            start, end = (dt.date.fromisoformat(v.strip()) for v in value.split("/", 1))
            if start > end:
                raise ValueError
            return start.isoformat(), end.isoformat()
        match = re.fullmatch(r"((?:19|20)\d{2})(?:-(Q[1-4]|H[12]|\d{1,2}M|\d{2}))?", value, re.I)
        if not match:
            raise ValueError
        year, part = int(match[1]), (match[2] or "").upper()
        if not part:
            months = (1, 12)
        elif part.startswith("Q"):
            q = int(part[1])
            months = (3 * q - 2, 3 * q)
        elif part.startswith("H"):
            months = (1, 6) if part == "H1" else (7, 12)
        elif part.endswith("M"):
            months = (1, int(part[:-1]))
        else:
            months = (int(part), int(part))
        iso = _iso(*months, year)
        if iso is None:
            raise ValueError
        return iso
    except ValueError:
        raise BaocaoError(
            f"--period {value!r}: give START/END (2024-01-01/2024-06-30), a year (2024), a month (2024-09), "
            "a quarter (2024-Q3), a half (2024-H1) or N months (2024-9M)"
        ) from None
