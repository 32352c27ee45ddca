"""Stage 4, statements: every figure typed by its own clause, in code, for any report.

Vietnamese statistical prose is formulaic: a subject, a verb (đạt, ước đạt, là, tăng,
giảm, chiếm, bằng, xếp thứ), a figure and its unit, then the comparison that qualifies it
(so với cùng kỳ, so với tháng trước, so với đầu năm, kế hoạch, dự toán trung ương giao,
kịch bản, mục tiêu). For each mention this module reads:

* the **subject**: the noun phrase before the verb (or, for a count, the noun after it:
  "86 doanh nghiệp thành lập mới"), cleaned of period words and qualifiers; a clause with
  none ("..., tăng 5,2%") takes the subject of the figure before it in the sentence;
* the **measure**, from the verb and the comparison after the figure;
* the **period** the figure is for: the nearest period phrase before it in its sentence
  ("tháng 10", "lũy kế 10 tháng", "quý II", "đến ngày 30/9"), else the report's;
* whether it is a **target** for a coming period (phấn đấu, mục tiêu, a later year, a
  section of tasks), which is never published as an observation.

What a clause does not settle is left unset with a reason, never guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from baocao.extract import DENOMINATOR, RANGE_HIGH, RANGE_LOW, Mention
from baocao.normalize import reading_copy

_VERB = re.compile(
    r"(?i)(?<!\w)(ước tính đạt|ước thực hiện|ước đạt|dự ước đạt|ước tính|đạt|là|tăng trưởng|tăng|giảm|chiếm|bằng|"
    r"xếp thứ|còn|ở mức|có|được|với)(?!\w)"
)
_CHANGE = re.compile(r"(?i)(?<!\w)(tăng trưởng|tăng|giảm)(?!\w)")
_BASE = re.compile(r"(?i)so\s+với\s+[^,;.]*?(?=,|;|\.(?!\d)|\s+và\s|\s+nhưng\s|$)")
_PERIOD_WORDS = re.compile(
    r"(?i)(?<!\w)(?:trong đó|trong|tính chung|tính đến|lũy kế|luỹ kế|cộng dồn|bình quân|ước|dự ước|sơ bộ|khoảng|"
    r"toàn tỉnh|toàn thành phố|trên địa bàn(?: tỉnh| thành phố)?|của tỉnh|cả nước|toàn quốc|"
    r"(?:đầu|cuối) năm(?: (?:19|20)\d{2})?|(?:19|20)\d{2}|"
    r"\d{1,2} tháng(?: đầu năm| cuối năm)?|tháng \d{1,2}(?:/\d{4})?|quý [IV]+(?:/\d{4})?|năm \d{4}|"
    r"đến (?:ngày )?\d{1,2}/\d{1,2}(?:/\d{4})?|tại thời điểm(?: cuối tháng \d{1,2})?|cuối tháng \d{1,2}|"
    r"theo [^,]*|riêng|với|có|tổng cộng|cụ thể|đạt|được)(?!\w)"
)
_TARGET = re.compile(r"(?i)(?<!\w)(phấn đấu|mục tiêu|chỉ tiêu kế hoạch|dự kiến|định hướng|kế hoạch năm \d{4})(?!\w)")
_TARGET_SECTION = re.compile(r"(?i)nhiệm vụ|phương hướng|giải pháp|kế hoạch")
_DONE_SECTION = re.compile(r"(?i)tình hình|kết quả|đánh giá|thực hiện")

_MONTHS_N = re.compile(r"(?i)(?<!\w)(\d{1,2}) tháng(?: (đầu|cuối) năm)?(?: (?:năm )?((?:19|20)\d{2}))?(?!\w)")
_QUARTER = re.compile(r"(?i)(?<!\w)quý (IV|III|II|I)(?:(?:/| năm )((?:19|20)\d{2}))?(?!\w)")
_MONTH = re.compile(r"(?i)(?<!\w)tháng (\d{1,2})(?:(?:/| năm )((?:19|20)\d{2}))?(?!\s*(?:năm trước|trước))(?![\w/])")
_YEAR = re.compile(r"(?i)(?<!\w)(?<!vụ )(?:cả )?năm ((?:19|20)\d{2})(?!\s*-)(?!\w)")
_AT_DATE = re.compile(r"(?i)(?:đến|tính đến)(?: hết)?(?: ngày)? (\d{1,2})/(\d{1,2})(?:/((?:19|20)\d{2}))?")
_END_OF_MONTH = re.compile(r"(?i)(?:cuối|hết) tháng (\d{1,2})(?:/((?:19|20)\d{2}))?")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


@dataclass
class Statement:
    mention_index: int
    section_id: str
    subject: str | None
    context: str | None  # the sentence's first subject, for names split across clauses ("năng suất" of "lúa")
    measure: str | None
    measure_reason: str | None
    period_start: str
    period_end: str
    period_from: str  # report, clause
    direction: str | None
    target: bool
    indicator_id: str | None = None
    resolution: str = "unmapped"
    reason: str | None = None


def _iso_months(first: int, last: int, year: int) -> tuple[str, str]:
    return f"{year:04d}-{first:02d}-01", f"{year:04d}-{last:02d}-{calendar.monthrange(year, last)[1]:02d}"


def figure_period(lead: str, report_start: str, report_end: str) -> tuple[str, str, str]:
    """The period the nearest phrase before a figure names, with the report's year where it gives none."""
    year = int(report_end[:4])
    text = _BASE.sub(lambda m: " " * len(m.group(0)), lead)
    found: list[tuple[int, tuple[str, str]]] = []
    for match in _MONTHS_N.finditer(text):
        n, edge, y = int(match[1]), match[2], int(match[3]) if match[3] else year
        if 1 <= n <= 12 and not text[match.end() :].lstrip().startswith("/"):
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
    for match in _AT_DATE.finditer(text):
        d, m, y = int(match[1]), int(match[2]), int(match[3]) if match[3] else year
        if 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]:
            day = f"{y:04d}-{m:02d}-{d:02d}"
            found.append((match.end(), (day, day)))
    for match in _END_OF_MONTH.finditer(text):
        m, y = int(match[1]), int(match[2]) if match[2] else year
        if 1 <= m <= 12:
            day = _iso_months(m, m, y)[1]
            found.append((match.end(), (day, day)))
    if not found:
        return report_start, report_end, "report"
    # the phrase nearest the figure; of phrases ending together ("tháng 10" in "10 tháng"), the widest
    _, (start, end) = max(found, key=lambda f: (f[0], f[1][1] > f[1][0], f[1][0] <= f[1][1]))
    return start, end, "clause"


def clean_subject(text: str) -> str:
    """A subject without period words, qualifiers, brackets' punctuation and leading connectors."""
    text = _PERIOD_WORDS.sub(" ", text)
    text = re.sub(r"[-–:;,.()+\"“”]", " ", text)
    return " ".join(text.split())


def _measure(mention: Mention, lead_clause: str, tail: str) -> tuple[str | None, str | None]:
    """The measure from the verb before the figure and the comparison after it, or (None, why)."""
    tail = tail.lower()
    verbs = [m.group(1).lower() for m in _VERB.finditer(lead_clause)]
    verb = verbs[-1] if verbs else None
    change = bool(_CHANGE.search(lead_clause))
    if mention.role in (RANGE_LOW, RANGE_HIGH):
        return None, "a range: the clause gives two bounds"
    if mention.kind == "ordinal" or re.search(r"(?i)xếp thứ\s*$|thứ hạng\s*$", lead_clause):
        if mention.role == DENOMINATOR:
            return "rank_of", None
        return ("rank", None) if re.search(r"(?i)thứ|hạng", lead_clause) else (None, "an ordinal, not a quantity")
    percent = mention.unit_id in ("percent",)
    comparison = re.match(r"\s*(?:%\s*)?(?:so\s+với\s+)?(.{0,60})", tail).group(1) if tail else ""
    based = "so với" in tail[:40]
    if percent:
        if re.search(r"(?i)(?<!\w)chiếm", lead_clause) and not change:
            return "share_pct", None
        if re.match(r"\s*(?:so với\s+)?(?:tháng trước|tháng liền trước)", tail):
            return ("change_pct_previous_month", None) if change else (None, "a ratio to the previous month")
        if based and re.match(
            r"\s*so với\s+(?:đầu năm|cuối năm|thời điểm cuối năm|31/12|tháng 12 năm trước|tháng 12/)", tail
        ):
            return ("change_pct_start_of_year", None) if change else (None, "a ratio to the start of the year")
        if based and re.match(r"\s*so với\s+(?:cùng kỳ|cùng tháng|cùng quý|cùng thời điểm|năm trước|năm 20|vụ)", tail):
            if verb in ("bằng",) and not change:
                return "pct_of_same_period", None
            return ("change_pct", None) if change else (None, "a comparison with the same period, without a verb")
        if re.search(r"(?<!\w)(?:dự toán)[^,;.]{0,25}(?:trung ương|tw|thủ tướng|chính phủ|bộ tài chính)", comparison):
            return "pct_of_central_estimate", None
        if re.match(r"\s*(?:so với\s+)?(?:dự toán)", tail) or re.match(r"\s*(?:dự toán)", comparison):
            return "pct_of_estimate", None
        if re.match(r"\s*(?:so với\s+)?(?:kế hoạch|kh\b|chỉ tiêu)", tail):
            return "pct_of_plan", None
        if re.match(r"\s*(?:so với\s+)?kịch bản", tail):
            return "pct_of_scenario", None
        if re.match(r"\s*(?:so với\s+)?mục tiêu", tail):
            return "pct_of_target", None
        if change and not based:
            return "change_pct", "no base stated: the same period of the previous year, as reports mean it"
        if not change and verb in (None, "là", "đạt", "còn", "ở mức", "ước đạt", "ước tính", "có"):
            return "value", "a rate stated as a level"
        return None, "a percentage whose base the clause does not say"
    if mention.role == DENOMINATOR:
        return "plan_or_total", None
    if re.search(r"(?i)(?:kế hoạch|KH|chỉ tiêu)(?: giao| năm \d{4}| được giao)?\s*(?:là\s*)?$", lead_clause):
        return "plan", None
    if re.search(r"(?i)dự toán(?: [^,;]{0,30})? giao\s*(?:là\s*)?$", lead_clause):
        return "estimate", None
    if change and verb in ("tăng", "giảm"):
        return ("change_abs", None) if based else (None, "an absolute change whose base the clause does not say")
    return "value", None


def read_statements(
    section_id: str,
    published: str,
    mentions: list[tuple[int, Mention]],
    report_start: str,
    report_end: str,
    unit_quantity: dict[str, str | None],
    in_task_section: bool = False,
) -> list[Statement]:
    """The statements of one section's figures (``mentions``: (index in the report, mention))."""
    text = reading_copy(published)
    out: list[Statement] = []
    previous: Mention | None = None
    previous_subject: str | None = None
    sentence_subject: str | None = None
    year = int(report_end[:4])
    ordered = sorted(mentions, key=lambda item: item[1].value_start)
    for position, (index, mention) in enumerate(ordered):
        if previous is None or previous.quote_start != mention.quote_start:
            previous, previous_subject, sentence_subject = None, None, None
        boundary = max(mention.quote_start, text.rfind(";", 0, mention.value_start) + 1)
        if previous is not None and previous.value_end > boundary:
            boundary = previous.value_end
        lead_clause = text[boundary : mention.value_start]
        if previous is not None and boundary == previous.value_end:
            # past the figure before: drop its unit and its comparison, keep this figure's own words
            previous_unit = previous.expression[len(previous.value_text) :].strip()
            lead_clause = _BASE.sub(" ", lead_clause)
            if previous_unit and lead_clause.lstrip().startswith(previous_unit):
                lead_clause = lead_clause.lstrip()[len(previous_unit) :]
        following = ordered[position + 1][1].value_start if position + 1 < len(ordered) else mention.quote_end
        tail_end = min(following, mention.quote_end)
        semicolon = text.find(";", mention.value_end, tail_end)
        tail = text[mention.value_end : semicolon if semicolon >= 0 else tail_end]
        unit_tail = (
            mention.expression[len(mention.value_text) :] if mention.expression.startswith(mention.value_text) else ""
        )
        tail = tail[len(unit_tail) :] if tail.startswith(unit_tail) else tail
        verbs = list(_VERB.finditer(lead_clause))
        subject_text = lead_clause[: verbs[-1].start()] if verbs else lead_clause
        if verbs and not clean_subject(subject_text) and len(verbs) > 1:
            subject_text = lead_clause[: verbs[0].start()]
        subject = clean_subject(subject_text)
        quantity = unit_quantity.get(mention.unit_id or "")
        if quantity == "count" and mention.role != DENOMINATOR:
            # "86 doanh nghiệp thành lập mới": the noun after a count names what is counted
            noun = re.match(r"\s*([^,;.()]{0,60}?)(?=,|;|\.(?!\d)|\(| với | tăng| giảm| đạt| bằng| chiếm|$)", tail)
            words = " ".join(f"{unit_tail} {noun.group(1) if noun else ''}".split())
            subject = " ".join(f"{subject} {words}".split()) if words else subject
        if not subject and previous_subject:
            subject = previous_subject
        measure, why = _measure(mention, lead_clause, tail)
        sentence_lead = text[mention.quote_start : mention.value_start]
        start, end, period_from = figure_period(sentence_lead, report_start, report_end)
        direction = None
        changes = _CHANGE.findall(lead_clause)
        if changes and measure and measure.startswith("change"):
            direction = "decrease" if changes[-1].lower() == "giảm" else "increase"
        sentence = text[mention.quote_start : mention.quote_end]
        target = (
            in_task_section
            or bool(_TARGET.search(text, mention.quote_start, mention.value_start))
            or int(start[:4]) > year
            or _later_year(sentence, year)
        )
        out.append(
            Statement(
                mention_index=index,
                section_id=section_id,
                subject=subject or None,
                context=sentence_subject if sentence_subject != subject else None,
                measure=measure,
                measure_reason=why,
                period_start=start,
                period_end=end,
                period_from=period_from,
                direction=direction,
                target=target,
            )
        )
        if mention.kind == "period":
            out[-1].measure, out[-1].measure_reason = None, "the length of a period, not a figure"
        previous = mention
        previous_subject = subject or previous_subject
        sentence_subject = sentence_subject or subject or None
    return out


def _later_year(sentence: str, year: int) -> bool:
    """A sentence about a later year's plan ("kế hoạch năm 2025", "năm 2025 phấn đấu")."""
    return any(
        int(y) > year and re.search(r"(?i)kế hoạch|phấn đấu|mục tiêu|dự kiến|chỉ tiêu", sentence)
        for y in re.findall(r"(?i)năm ((?:19|20)\d{2})", sentence)
    )


def task_section(title: str, parents: list[str]) -> bool:
    """A section of tasks and plans for the coming period (its title, or a parent's, says so)."""
    for heading in [title, *parents]:
        if heading and _TARGET_SECTION.search(heading) and not _DONE_SECTION.search(heading):
            return True
    return False
