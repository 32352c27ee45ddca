"""The period a figure is for, read from the words before it in its sentence.

"tháng 10", "lũy kế 10 tháng", "2 tháng/2025", "quý II", "năm 2023", "đến ngày 30/9" and
"cuối tháng 02/2025" each name a period, "lũy kế đến tháng 10" the months to October and
"Giai đoạn 2021 - 2025, …" years together; the nearest before the figure, outside any bracket
closed before it, is its period, else the report's. A comparison ("so với tháng trước", "so
tháng 7"), a price base ("giá so sánh năm 2010") and a start ("từ năm 1992") name no period.
"""

from __future__ import annotations

import calendar
import functools
import re

from baocao.figures.extract import SINGLE, Mention

_BASE = re.compile(
    r"(?i)(?<!\w)so\s+(?:với\s+|(?=(?:cùng|tháng|quý|năm|kỳ|đầu|cuối|\d)))"
    r"[^,;.(]*?(?=,|;|\(|\.(?!\d)|\s+và\s|\s+nhưng\s|\s+còn\s|\s+(?:ước\s+)?(?:tăng|giảm)(?!\w)|$)"
)
# a price base ("giá so sánh năm 2010"), a start ("từ năm 1992 đến nay") and a span of years name no figure's period
_NOT_A_PERIOD = re.compile(
    r"(?i)giá\s+so\s+sánh(?:\s+năm)?\s+(?:19|20)\d{2}|(?:từ|kể từ|sau)\s+năm\s+(?:19|20)\d{2}"
    r"|giai đoạn\s+(?:19|20)\d{2}\s*-\s*(?:19|20)\d{2}"
)
_MONTHS_N = re.compile(r"(?i)(?<!\w)(\d{1,2}) tháng(?: (đầu|cuối) năm)?(?:(?: năm | |/)((?:19|20)\d{2}))?(?![\w/])")
_QUARTER = re.compile(r"(?i)(?<!\w)(?<!cuối )(?<!hết )qu[ýí] (IV|III|II|I|[1-4])(?:(?:/| năm )((?:19|20)\d{2}))?(?!\w)")
_MONTH = re.compile(
    r"(?i)(?<!\w)(?<!cuối )(?<!hết )(?<!đến )(?<!tới )(?<!giữa )"
    r"tháng (\d{1,2})(?:(?:/| năm )((?:19|20)\d{2}))?(?!\s*(?:năm trước|trước))(?![\w/])"
)
# "lũy kế đến tháng 10": the months from January to that one
_TO_MONTH = re.compile(r"(?i)(?<!\w)(?:đến|tới) tháng (\d{1,2})(?:(?:/| năm )((?:19|20)\d{2}))?(?![\w/])")
# "giai đoạn 2021 - 2025": years together
_SPAN = re.compile(r"(?i)giai đoạn\s+((?:19|20)\d{2})\s*-\s*((?:19|20)\d{2})")
_YEAR = re.compile(r"(?i)(?<!\w)(?<!vụ )(?:cả )?năm ((?:19|20)\d{2})(?!\s*-)(?!\w)")
_AT_DATE = re.compile(
    r"(?i)(?:đến|tính đến)(?: hết)?(?:(?: ngày)? (\d{1,2})/(\d{1,2})(?:/((?:19|20)\d{2}))?"
    r"| ngày (\d{1,2})-(\d{1,2})(?:-((?:19|20)\d{2}))?)"
)
_END_OF_MONTH = re.compile(r"(?i)(?:cuối|hết) tháng (\d{1,2})(?:/((?:19|20)\d{2}))?")
_END_OF_QUARTER = re.compile(r"(?i)(?:đến )?(?:cuối|hết) quý (IV|III|II|I|[1-4])(?:(?:/| năm )((?:19|20)\d{2}))?(?!\w)")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _iso_months(first: int, last: int, year: int) -> tuple[str, str]:
    return f"{year:04d}-{first:02d}-01", f"{year:04d}-{last:02d}-{calendar.monthrange(year, last)[1]:02d}"


@functools.lru_cache(maxsize=4096)
def period_phrases(text: str, year: int) -> tuple[tuple[int, tuple[str, str], int], ...]:
    """Every phrase of a sentence that names a period, as (where it ends, (first day, last day), where the
    bracket holding it closes); comparisons ("so với tháng trước"), price bases and starting years are passed
    over. Read once per sentence."""
    original, text = (
        text,
        _NOT_A_PERIOD.sub(lambda m: " " * len(m.group(0)), _BASE.sub(lambda m: " " * len(m.group(0)), text)),
    )
    found: list[tuple[int, tuple[str, str]]] = []
    for match in _MONTHS_N.finditer(text):
        n, edge, y = int(match[1]), match[2], int(match[3]) if match[3] else year
        if 1 <= n <= 12:
            found.append((match.end(), _iso_months(13 - n, 12, y) if edge == "cuối" else _iso_months(1, n, y)))
    for match in _QUARTER.finditer(text):
        q, y = _ROMAN[match[1].upper()], int(match[2]) if match[2] else year
        found.append((match.end(), _iso_months(3 * q - 2, 3 * q, y)))
    for match in _MONTH.finditer(text):
        m, y = int(match[1]), int(match[2]) if match[2] else year
        if 1 <= m <= 12:
            found.append((match.end(), _iso_months(m, m, y)))
    for match in _YEAR.finditer(text):
        y = int(match[1])
        if y != year:  # "năm 2024" in a report on 2024 names the year, not another period
            found.append((match.end(), _iso_months(1, 12, y)))
    for match in _TO_MONTH.finditer(text):
        m, y = int(match[1]), int(match[2]) if match[2] else year
        if 1 <= m <= 12:
            found.append((match.end(), _iso_months(1, m, y)))
    for match in _SPAN.finditer(original):
        first, last = int(match[1]), int(match[2])
        # a span that opens its clause is the figures' ("Giai đoạn 2021 - 2025 thu hút …"); after a noun it
        # names a programme ("Chính sách hỗ trợ … giai đoạn 2022 - 2025")
        opens = re.search(r"(?i)(?:^|[,;:.]|\btrong|\bcả)\s*$", original[: match.start()])
        if first < last and opens:
            found.append((match.end(), (f"{first:04d}-01-01", f"{last:04d}-12-31")))
    for match in _AT_DATE.finditer(text):
        day, month, y = (match[1], match[2], match[3]) if match[1] else (match[4], match[5], match[6])
        d, m, y = int(day), int(month), int(y) if y else year
        if 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]:
            day = f"{y:04d}-{m:02d}-{d:02d}"
            found.append((match.end(), (day, day)))
    for match in _END_OF_QUARTER.finditer(text):
        y = int(match[2]) if match[2] else year
        day = _iso_months(3 * _ROMAN[match[1].upper()], 3 * _ROMAN[match[1].upper()], y)[1]
        found.append((match.end(), (day, day)))
    for match in _END_OF_MONTH.finditer(text):
        m, y = int(match[1]), int(match[2]) if match[2] else year
        if 1 <= m <= 12:
            day = _iso_months(m, m, y)[1]
            found.append((match.end(), (day, day)))
    # a phrase inside a bracket ("(quý III tăng 7,1%)") names the period of that bracket's figures only
    return tuple((end, period, _bracket_end(original, end)) for end, period in found)


def _bracket_end(text: str, at: int) -> int:
    """Where the bracket holding offset ``at`` closes, or the sentence's length if ``at`` is in none."""
    opened = text.rfind("(", 0, at)
    if opened < 0 or text.rfind(")", opened, at) >= 0:
        return len(text)
    closed = text.find(")", at)
    return closed if closed >= 0 else len(text)


def period_before(
    phrases: tuple[tuple[int, tuple[str, str], int], ...], offset: int, report_start: str, report_end: str
) -> tuple[str, str, str]:
    """The period of a figure at ``offset`` of its sentence: the phrase ending nearest before it (of phrases
    ending together, "tháng 10" in "10 tháng", the widest) and not in a bracket closed before it, else the
    report's."""
    before = [p[:2] for p in phrases if p[0] <= offset < p[2]]
    if not before:
        return report_start, report_end, "report"
    _, (start, end) = max(before, key=lambda f: (f[0], f[1][1] > f[1][0], f[1][0] <= f[1][1]))
    return start, end, "clause"


_BASE_MONTH = re.compile(
    r"(?i)\s*so với\s+(?:cùng\s+)?tháng\s+(\d{1,2})(?:(?:/|-|\s+năm\s+)((?:19|20)\d{2}))?(?![\d/])"
)


def month_base(tail: str, period: tuple[str, str]) -> str | None:
    """What "so với tháng M/YYYY" compares a month's figure with: the previous month, the same month of
    the previous year or the end of the previous year; None when the figure is not a month's or the base
    is another month."""
    match = _BASE_MONTH.match(tail)
    start, end = period
    if match is None or start[:7] != end[:7]:
        return None
    year, month = int(end[:4]), int(end[5:7])
    base_month = int(match[1])
    base_year = int(match[2]) if match[2] else (year if base_month < month else year - 1)
    if (base_year, base_month) == ((year, month - 1) if month > 1 else (year - 1, 12)):
        return "previous_month"
    if (base_year, base_month) == (year - 1, month):
        return "same_period"
    if (base_year, base_month) == (year - 1, 12):
        return "start_of_year"
    return "other"


_PERIOD_LEAD = re.compile(r"(?i)(?:trong|tính chung|lũy kế|cộng dồn|bình quân|sau|qua)\s*$")
_PERIOD_TAIL = re.compile(
    r"(?i)\s*(?:đầu năm|cuối năm|năm (?:19|20)\d{2}|/(?:19|20)\d{2}|,|đạt|ước|tăng|giảm|là)(?!\w)"
)


def period_phrase(text: str, mention: Mention) -> bool:
    """ "tổng kim ngạch xuất khẩu 9 tháng đạt …": a count of months naming the period of the figure after it."""
    if mention.unit_id != "thang" or mention.role != SINGLE or not mention.expression.startswith(mention.value_text):
        return False
    unit_end = mention.value_end + len(mention.expression) - len(mention.value_text)
    return bool(
        _PERIOD_LEAD.search(text, mention.quote_start, mention.value_start) or _PERIOD_TAIL.match(text, unit_end)
    )


_IN_THE_MONTH = re.compile(r"(?i)(?<!\w)trong tháng(?!\s*\d)")


def in_the_month(sentence_lead: str, report: tuple[str, str]) -> tuple[str, str] | None:
    """ "Trong tháng, …" in a release of several months: its last month; None elsewhere."""
    start, end = report
    if start[:7] == end[:7] or not _IN_THE_MONTH.search(sentence_lead):
        return None
    return end[:8] + "01", end


_CUMULATIVE_AFTER = re.compile(r"(?i)^\s*,?\s*(?:và\s+)?(?:lũy kế|luỹ kế|cộng dồn|tính chung)(?!\w)")


def month_before_cumulative(rest: str, report: tuple[str, str]) -> tuple[str, str] | None:
    """ "Kim ngạch nhập khẩu đạt 5 triệu USD, lũy kế 3 tháng …" in a release of several months: the figure
    before the cumulative one is the last month's; None elsewhere."""
    start, end = report
    if start[:7] == end[:7] or not _CUMULATIVE_AFTER.match(rest):
        return None
    return end[:8] + "01", end
