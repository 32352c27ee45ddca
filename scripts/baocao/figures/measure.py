"""The measure of a figure, read from the verb before it and the comparison after it.

"đạt 4.128 tỷ đồng" is a level; "tăng 5,45% so với cùng kỳ" a change on the same period of
last year; "so với tháng trước" or "so với tháng 01/2025" (for a February figure) a change on
the previous month; "đạt 77,4% dự toán trung ương giao" a percent of the central estimate;
"chiếm 83,7%" a share; "xếp thứ 12/63" a rank of a number ranked; "16.581/16.687 ha, đạt 99%
KH" a value and its plan; "đóng góp 0,55 điểm phần trăm vào mức tăng chung" a contribution to
growth, never growth. A comparison may stand before the figure ("So với tháng 12/2023, CPI tháng
này tăng 0,7%"); "xếp thứ 3/13 tỉnh vùng …" is a rank in a region, not in the country. What the
clause does not settle is (None, why), never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from baocao.figures.extract import DENOMINATOR, NUMERATOR, RANGE_HIGH, RANGE_LOW, Mention
from baocao.figures.periods import month_base

VERB = re.compile(
    r"(?i)(?<!\w)(ước tính đạt|ước thực hiện|ước đạt|dự ước đạt|ước tính|đạt|là|(?<!tốc độ )(?<!mức )tăng trưởng|"
    r"(?<!tốc độ )tăng(?! cường)|(?<!tốc độ )giảm(?! nghèo)(?! thiểu)|chiếm|bằng|xếp thứ|xếp vị trí|còn|ở mức|"
    r"có(?! hạt)|được|(?<!đối )với)(?!\w)"
)
CHANGE = re.compile(r"(?i)(?<!\w)(tăng trưởng|tăng(?! cường)|giảm(?! nghèo)(?! thiểu)|cao hơn|thấp hơn)(?!\w)")
_LEVEL_VERBS = (None, "là", "đạt", "còn", "ở mức", "ước đạt", "ước tính", "có", "ước tính đạt", "dự ước đạt", "được")
_RATIO_OF = {"plan": "pct_of_plan", "estimate": "pct_of_estimate", "total": "pct_of_total"}
_PLAN_WORDS = re.compile(r"(?i)(?<!\w)(?:kế hoạch|KH|chỉ tiêu)(?!\w)")
_ESTIMATE_WORDS = re.compile(r"(?i)(?<!\w)dự toán(?!\w)")
_SAME_PERIOD = re.compile(r"\s*so với\s+(?:cùng kỳ|cùng tháng|cùng quý|cùng thời điểm|năm trước|năm 20|vụ)")
_USUAL = re.compile(r"(?i)phổ biến(?: ở mức| từ)?\s*$")
_HIGHEST = re.compile(r"(?i)cao nhất\s*:?\s*$")
_LOWEST = re.compile(r"(?i)thấp nhất\s*:?\s*$")
_RANK_LEAD = re.compile(r"(?i)(?:xếp thứ|thứ hạng|xếp vị trí)\s*$")
_ESTIMATE_LEAD = re.compile(r"(?i)dự toán(?: [^,;]{0,30})? giao\s*(?:là\s*)?$")
# "Năm 2025, kế hoạch vốn đầu tư công của tỉnh là 11.097 tỷ đồng": a clause whose subject is a plan
_PLAN_SUBJECT = re.compile(
    r"(?i)\s*(?:[-+•]\s*)?(?:năm \d{4}\s*,?\s*)?(?:tổng\s+)?(?:kế hoạch|chỉ tiêu)\s[^,;]{0,80}\s(?:giao|là)\s*:?\s*$"
)
_PLAN_LEAD = re.compile(r"(?i)(?:kế hoạch|KH|chỉ tiêu)(?: giao| năm \d{4}| được giao| đề ra)?\s*(?:là\s*)?:?\s*$")
_LEVEL_AFTER_CHANGE = re.compile(r"(?i)(?<!\w)(?:(?:giảm|tăng) (?:còn|lên)|nâng [^,;]{0,60} lên)(?: mức)?\s*$")
_ADDITION = re.compile(r"(?i)(?<!\w)(?:có thêm|tăng thêm|thêm)\s*$")
_PREVIOUS_YEAR = re.compile(r"(?i)so với\s+(?:năm trước|năm (?:19|20)\d{2})")
# "tăng 0,54% so tháng 7", "so cùng kỳ", "so dự toán": "so" alone for "so với", as reports often write it (the
# words a measure is read from are rewritten, not the text: no offset moves)
SO_ALONE = re.compile(
    r"(?i)(?<!\w)so(?=\s+(?:cùng|tháng|quý|năm|kỳ|đầu|cuối|dự toán|kế hoạch|KH|kịch bản|mục tiêu|\d)(?!\w))"
)
_BASE_YEAR = re.compile(r"(?i)\s*so với\s+(?:cùng kỳ\s+|cùng thời điểm\s+)?năm\s+((?:19|20)\d{2})(?!\d)")
_LATER_BASE = re.compile(r"(?i)so với\s+(?:cùng kỳ|cùng thời điểm|năm trước|năm (?:19|20)\d{2})")


@dataclass
class Clause:
    """What the measure is read from: the words before the figure in its clause, those after it up
    to the next figure, the rest of the sentence, and what the sentence has said so far."""

    lead: str  # from the clause's start (or the figure before) to the figure
    tail: str  # after the figure's unit, to the next figure or the clause's end
    rest: str  # after the figure's unit, to the end of its bracket, clause or sentence
    sentence_lead: str  # from the sentence's start to the figure
    period: tuple[str, str]
    numerator: Mention | None = None  # the a of a/b, for b
    denominator_measure: str | None = None  # plan, estimate or total: the b of an a/b just before
    sentence_base: str | None = None  # the ratio measure of the sentence's last percentage with a base
    sentence_level: str | None = None  # the sentence's last level measure (value, plan, estimate)
    sentence: str = ""  # the whole sentence
    last_change: str | None = None  # the change measure of the figure before in the sentence, if it was one


def read_measure(mention: Mention, clause: Clause) -> tuple[str | None, str | None]:
    """The measure of one figure, or (None, why)."""
    lead = clause.lead
    if re.search(r"\d\s*t[ỷỉ]\s*$", clause.sentence_lead):  # "1 tỉ 260 triệu USD": a number in two parts
        return None, "compound_number"
    if mention.role in (RANGE_LOW, RANGE_HIGH):
        if _USUAL.search(lead[-40:]):  # "phổ biến ở mức 5-8,5%": the usual range
            return ("typical_low" if mention.role == RANGE_LOW else "typical_high"), None
        return None, "range"
    if _HIGHEST.search(lead[-20:]):
        return "max", None
    if _LOWEST.search(lead[-20:]):
        return "min", None
    if mention.kind == "ordinal" or _RANK_LEAD.search(lead[-30:]):
        if _REGIONAL.match(clause.rest) and not _NATIONAL.match(clause.rest):
            return None, "regional_rank"  # "xếp thứ 03/13 tỉnh vùng đồng bằng sông Cửu Long"
        if mention.role == DENOMINATOR:
            return "rank_of", None
        if re.search(r"(?i)thứ|hạng|vị trí", lead) or re.search(r"(?i)(?:thứ|hạng|vị trí)\s*$", clause.sentence_lead):
            return "rank", None
        return None, "ordinal"
    if mention.role == DENOMINATOR:
        return _denominator(mention, clause)
    contribution = _contribution(mention, clause)
    if contribution is not None:
        return contribution
    if mention.unit_id == "percent":
        return _percent(clause)
    return _level(mention, clause)


_CONTRIBUTION_PERCENTS = re.compile(r"(?i)(?<!\w)đóng góp(?:\s+(?:khoảng|thêm|mức|được))*\s+(\d+(?:,\d+)?)\s*%")


def _contribution_in_percent(clause: Clause) -> tuple[str | None, str | None]:
    """ "đóng góp 46,2%" is a share of the growth where the sentence's sectors add up to about 100 or the
    growth is named after it; "đóng góp 1,19%, … 2,04%, … 1,99%" adding up to a growth rate are percentage
    points written with %; anything else is left unresolved."""
    values = [float(v.replace(",", ".")) for v in _CONTRIBUTION_PERCENTS.findall(clause.sentence)]
    if len(values) >= 3 and 95 <= sum(values) <= 105:
        return "contribution_share_pct", None
    if len(values) >= 3 and sum(values) < 30:
        return "contribution_pp", "contribution_as_percent"
    if _INTO_GROWTH.match(clause.tail) and len(values) < 3:
        return "contribution_share_pct", None
    return None, "contribution_unit"


_CONTRIBUTED = re.compile(
    r"(?i)(?<!\w)(?:đóng góp|góp)(?:\s+(?:khoảng|thêm|mức|được|vào\s+mức\s+tăng[^,;]{0,40}?))*\s*:?\s*$"
)
_INTO_GROWTH = re.compile(r"(?i)^\s*(?:vào|cho|trong)\s+(?:mức|tốc độ)\s+tăng")


def _contribution(mention: Mention, clause: Clause) -> tuple[str | None, str | None] | None:
    """ "đóng góp 0,55 điểm phần trăm vào mức tăng chung", "đóng góp 46,2% vào mức tăng", "chiếm 0,39 điểm %
    mức tăng": a sector's contribution to growth, never its own growth; None for any other figure."""
    points = mention.unit_id == "diem_phan_tram"
    contributed = bool(_CONTRIBUTED.search(clause.lead[-60:]))
    into_growth = bool(_INTO_GROWTH.match(clause.tail) or re.match(r"(?i)\s*mức tăng", clause.tail))
    if points and (contributed or into_growth):
        return "contribution_pp", None
    if mention.unit_id == "percent" and contributed:
        return _contribution_in_percent(clause)
    if points:
        return None, "percentage_points"  # "tăng 0,5 điểm phần trăm": a change in a rate
    return None


_REGIONAL = re.compile(
    r"(?i)(?:\s*/\s*\d+)?(?:\s*(?:tỉnh)?\s*,\s*thành(?: phố)?)?[^,;.()]{0,40}?(?<!\w)"
    r"(?:vùng|khu vực|miền|trung du|đồng bằng|tây nguyên|duyên hải|đông nam bộ|tây bắc)(?!\w)"
)
_NATIONAL = re.compile(r"(?i)[^,;.()]{0,25}?(?:cả nước|toàn quốc)")


def _denominator(mention: Mention, clause: Clause) -> tuple[str | None, str | None]:
    """b of a/b: a maximum score, a second value in another unit, a plan, an estimate or a total."""
    numerator = clause.numerator
    if mention.unit_id in ("diem", "percent") or (numerator is not None and numerator.unit_id == "diem"):
        return "max_score", None
    if numerator is not None and numerator.unit_id and mention.unit_id and numerator.unit_id != mention.unit_id:
        return "value", "two_units"
    words = clause.rest[:60]
    if _ESTIMATE_WORDS.search(words):
        return "estimate", None
    if _PLAN_WORDS.search(words):
        return "plan", None
    if clause.sentence_base in ("pct_of_estimate", "pct_of_central_estimate"):
        return "estimate", "sentence_base"
    if clause.sentence_base == "pct_of_plan":
        return "plan", "sentence_base"
    return "plan_or_total", None


def _last_verb(lead: str) -> str | None:
    verbs = VERB.findall(lead)
    return verbs[-1].lower() if verbs else None


def _change_base(clause: Clause) -> bool:
    """A comparison stated after the figure, or later in the same clause ("tăng 12 vụ, giảm 03 người
    chết, tăng 14 người bị thương so với cùng kỳ")."""
    tail = clause.tail.lower()
    return "so với" in tail[:40] or bool(_LATER_BASE.search(clause.rest))


# "So với tháng 12/2023, CPI tháng này tăng 0,7%": a comparison that opens the clause, before the figure
_INLINE_BASE = re.compile(r"(?i)(so với\s+(?:(?!\svà\s)[^,;.]){3,40}?)\s+(?:ước\s+)?(?:tăng|giảm)\s*$")
_LEADING_BASE = re.compile(r"(?i)(?:^|[.;:]\s*|,\s*)(so với\s+[^,;.]{3,40}?)\s*,[^;]*$")


def _percent(clause: Clause) -> tuple[str | None, str | None]:
    tail, lead = clause.tail.lower(), clause.lead
    verb = _last_verb(lead)
    # "+9,65% so với cùng kỳ"; "tăng 2,65% so với tháng 12 và 2,77% so với cùng kỳ": the change goes on
    change = bool(CHANGE.search(lead)) or lead.rstrip().endswith("+")
    change = change or bool(clause.last_change and re.fullmatch(r"[\s%,]*(?:và)?\s*", lead))
    based = "so với" in tail[:40]
    if not re.match(r"\s*(?:%\s*)?so với", tail):  # no base of its own: one opening the clause, if any
        leading = _INLINE_BASE.search(clause.sentence_lead) or _LEADING_BASE.search(clause.sentence_lead)
        if leading and "so với" not in clause.sentence_lead[leading.end(1) :].lower():
            tail, based = f" {leading.group(1).lower()} {tail}", True
    if based and re.match(r"\s*so với\s+(?:quý trước|quý liền trước)", tail):
        return ("change_pct_previous_quarter", None) if change else (None, "ratio_previous_quarter")
    if based and re.match(r"\s*so với\s+(?:kỳ gốc|năm gốc)", tail):
        return ("change_pct_base_period", None) if change else (None, "ratio_base_period")
    if re.search(r"(?i)(?<!\w)vượt(?:\s+(?:hơn|gần|khoảng|trên))?\s*$", lead):  # "vượt 4,8% dự toán": 104,8% of it
        return None, "excess_over_base"
    if re.search(r"(?i)(?<!\w)chiếm", lead) and not change:
        return _ratio(tail) or "share_pct", None  # "chiếm 62,9% dự toán": of the estimate
    if _PLAN_LEAD.search(lead[-60:]):
        return "plan", None
    if _LEVEL_AFTER_CHANGE.search(lead[-90:]):
        return "value", "level_reached"
    base = month_base(tail, clause.period)
    if base == "other":
        return None, "other_month"
    if base == "same_period":
        return ("change_pct", None) if change else ("pct_of_same_period", None)
    if re.match(r"\s*(?:so với\s+)?(?:tháng trước|tháng liền trước)", tail) or base == "previous_month":
        return ("change_pct_previous_month", None) if change else (None, "ratio_previous_month")
    if base == "start_of_year" or (
        based and re.match(r"\s*so với\s+(?:đầu năm|cuối năm|thời điểm cuối năm|31/12|tháng 12 năm trước)", tail)
    ):
        return ("change_pct_start_of_year", None) if change else (None, "ratio_start_of_year")
    year = _BASE_YEAR.match(tail) if based else None
    if year and int(year.group(1)) != int(clause.period[1][:4]) - 1:
        return None, "other_base_year"  # "tăng 16,14% so với cùng kỳ năm 2021" in a report on 2023
    if based and _SAME_PERIOD.match(tail):
        if verb == "bằng" and not change:
            return "pct_of_same_period", None
        return ("change_pct", None) if change else (None, "same_period_no_verb")
    ratio = _ratio(tail)
    if ratio and change and re.match(r"\s*so với", tail):
        return None, "excess_over_base"  # "tăng 0,02% so với kịch bản": the gap to the scenario, not a ratio
    if ratio:
        return ratio, None
    if change:
        return "change_pct", "no_base_same_period"
    return _unbased_percent(clause, verb)


def _ratio(tail: str) -> str | None:
    """The percent-of measure a comparison names right after the figure."""
    comparison = re.match(r"\s*(?:%\s*)?(?:so\s+với\s+)?(.{0,60})", tail).group(1) if tail else ""
    if re.search(r"(?<!\w)(?:dự toán)[^,;.]{0,25}(?:trung ương|tw|thủ tướng|chính phủ|bộ tài chính)", comparison):
        return "pct_of_central_estimate"
    if re.match(r"\s*(?:so với\s+)?(?:dự toán)", tail) or re.match(r"\s*(?:dự toán)", comparison):
        return "pct_of_estimate"
    if re.match(r"\s*(?:so với\s+)?(?:kế hoạch|kh\b|chỉ tiêu)", tail):
        return "pct_of_plan"
    if re.match(r"\s*(?:so với\s+)?kịch bản", tail):
        return "pct_of_scenario"
    if re.match(r"\s*(?:so với\s+)?mục tiêu", tail):
        return "pct_of_target"
    return None


def _unbased_percent(clause: Clause, verb: str | None) -> tuple[str | None, str | None]:
    """A percentage with no comparison after it: a share in a structure, the ratio to the b of an a/b
    just before it, the base of the sentence's earlier percentage, or a rate stated as a level."""
    if re.search(r"(?i)(?<!\w)(?:cơ cấu|tỷ trọng)(?!\w)", clause.sentence_lead):
        return "share_pct", None
    if verb in ("đạt", "ước đạt", "dự ước đạt") and clause.denominator_measure in _RATIO_OF:
        return _RATIO_OF[clause.denominator_measure], "ratio_of_a_b"
    if verb in ("đạt", "ước đạt", "dự ước đạt") and clause.sentence_base:
        return clause.sentence_base, "sentence_base"
    if verb in _LEVEL_VERBS:
        return "value", "rate_as_level"
    return None, "percent_no_base"


def _whole_year(period: tuple[str, str]) -> bool:
    return period[0][5:] == "01-01" and period[1][5:] == "12-31" and period[0][:4] == period[1][:4]


def _level(mention: Mention, clause: Clause) -> tuple[str | None, str | None]:
    lead = clause.lead
    verb = _last_verb(lead)
    if _LEVEL_AFTER_CHANGE.search(lead[-90:]):
        return "value", "level_reached"
    if _PLAN_LEAD.search(lead[-60:]) or _PLAN_SUBJECT.match(lead):
        return "plan", None
    if _ESTIMATE_LEAD.search(lead[-80:]):
        return "estimate", None
    if CHANGE.search(lead) and verb in ("tăng", "giảm"):
        if not _change_base(clause):
            return None, "change_no_base"
        if mention.unit_id == "bac":
            return "change_rank_previous_year", None
        if _whole_year(clause.period) and _PREVIOUS_YEAR.search(clause.rest):
            return "change_abs_previous_year", None
        return "change_abs", None
    if _ADDITION.search(lead[-20:]):
        return None, "addition"
    listed = re.search(r"(?i)trong đó|:\s*$", lead)
    if verb is None and listed and clause.sentence_level in ("plan", "estimate") and mention.role != NUMERATOR:
        return clause.sentence_level, "part_of_plan"
    return "value", None
