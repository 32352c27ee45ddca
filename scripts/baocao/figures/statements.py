"""Stage 4, statements: every figure typed by its own clause, in code, for any report.

Vietnamese statistical prose is formulaic: a subject, a verb (đạt, ước đạt, là, tăng, giảm, chiếm, bằng,
xếp thứ), a figure and its unit, then the comparison that qualifies it (so với cùng kỳ, so với tháng trước,
so với đầu năm, kế hoạch, dự toán trung ương giao, kịch bản, mục tiêu). For each mention this module reads:

* the **subject**: the noun phrase before the verb (or, for a count, the noun after it: "86 doanh nghiệp
  thành lập mới"), cleaned of period words and qualifiers; a clause with none ("..., tăng 5,2%") takes
  the subject of the figure before it in the sentence;
* the **measure**, from the verb and the comparison after the figure; the **period** it is for: the nearest
  period phrase before it ("tháng 10", "lũy kế 10 tháng", "quý II", "đến 30/9"), else the sentence's it goes on from
  ("Trong đó, …"), else the last month if it is compared with the month before (``implied``), else the
  report's; in a list ("A, B và C tăng lần lượt là …") each figure is its item's (lists.py);
* whether it is a **target** for a coming period (phấn đấu, mục tiêu, a later year, a section of tasks).

What a clause does not settle is left unset with a reason, never guessed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from baocao.core.normalize import reading_copy
from baocao.figures.extract import DENOMINATOR, NUMERATOR, RANGE_HIGH, RANGE_LOW, SINGLE, Mention
from baocao.figures.lists import Listing, list_head, run_lengths, split_items
from baocao.figures.measure import CHANGE, SO_ALONE, VERB, Clause, read_measure
from baocao.figures.periods import (
    _BASE,
    in_the_month,
    month_before_cumulative,
    period_before,
    period_phrase,
    period_phrases,
)
from baocao.figures.subjects import (
    PARTS,
    PLACE,
    PRICES_AFTER,
    REGARD,
    TRAILING_VERB,
    clean_subject,
    noun_after,
    own_clause,
    parts_at_current_prices,
    unit_text,
)

_TARGET = re.compile(r"(?i)(?<!\w)(phấn đấu|mục tiêu(?! quốc gia)|chỉ tiêu kế hoạch|dự kiến|dự báo|định hướng)(?!\w)")
_TARGET_SECTION = re.compile(r"(?i)nhiệm vụ|phương hướng|giải pháp|kế hoạch")
_DONE_SECTION = re.compile(r"(?i)tình hình|kết quả|đánh giá|thực hiện")


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
    # the first subject since the sentence's last ";", where it differs from context ("…; cây lúa gieo cấy 37.120
    # ha, năng suất …, sản lượng …": the output is the rice's, not that of the crop the sentence began with)
    group_context: str | None = None
    place: str | None = None  # a district, town or city its clause names ("riêng thành phố Hạ Long …")
    part: bool = False  # after "trong đó" in its sentence: a part of the whole named before it
    level_unit: str | None = None  # a change's: the unit of the level just before it ("đạt 3.950 USD, tăng 10%")


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
    reader = _SectionReader(reading_copy(published), (report_start, report_end), unit_quantity, in_task_section)
    ordered = sorted(mentions, key=lambda item: item[1].value_start)
    listed = "lần lượt" in reader.text or "tương ứng" in reader.text
    runs = run_lengths(reader.text, ordered, unit_text) if listed else {}
    reader.runs = {mention.value_start: runs[i] for i, (_, mention) in enumerate(ordered) if i in runs}
    # the words after a figure run to the next figure; a rating ("khách sạn 3 sao") is part of them
    following: list[int | None] = []
    upcoming = None
    for _, mention in reversed(ordered):
        following.append(upcoming)
        if unit_quantity.get(mention.unit_id or "") != "rating":
            upcoming = mention.value_start
    following.reverse()
    return [
        reader.read(section_id, index, mention, mention.quote_end if after is None else after)
        for (index, mention), after in zip(ordered, following, strict=True)
    ]


class _SectionReader:
    """Reads the figures of one section in order, remembering what their sentence has said so far."""

    def __init__(self, text: str, report: tuple[str, str], quantity: dict[str, str | None], tasks: bool):
        self.text, self.report, self.quantity, self.tasks = text, report, quantity, tasks
        self.runs: dict[int, int] = {}
        self.sentence_start = -1

    def _new_sentence(self, mention: Mention) -> None:
        # "… IIP tháng 10 tăng 9,87%. Trong đó, ngành chế biến, chế tạo tăng 10,35%": the sentence goes on with
        # the one before: its subject is the context, its period the figures'
        continues = self.sentence_start >= 0 and _CONTINUES.match(self.text, mention.quote_start)
        first = getattr(self, "first_period", None)
        carried = (getattr(self, "sentence_subject", None), first[0] if first else None) if continues else None
        before = self.text[max(self.sentence_start, 0) : mention.quote_start].lower()  # "… giá hiện hành. Trong đó"
        self.current_prices = bool(continues) and "giá hiện hành" in before
        self.parts = bool(continues) and continues.group(0).strip(" -+•,:").lower() == "trong đó"
        self.sentence_start = mention.quote_start
        self.so_alone = bool(SO_ALONE.search(self.text, mention.quote_start, mention.quote_end))
        self.previous: Mention | None = None
        self.previous_subject: str | None = None
        self.sentence_subject: str | None = carried[0] if carried else None
        self.carried_period: tuple[str, str] | None = carried[1] if carried else None
        self.first_period: tuple[tuple[str, str] | None] | None = None
        self.listing: Listing | None = None
        self.last_change: str | None = None
        self.implied_month: tuple[str, str] | None = None
        self.sentence_statements: list[Statement] = []
        self.group_subject: str | None = None
        self.level_unit: str | None = None
        self.denominator_measure: str | None = None
        self.sentence_base: str | None = None
        self.sentence_level: str | None = None
        self.low_measure: str | None = None

    def _lead(self, mention: Mention) -> str:
        """The words of the figure's own clause before it (past the figure before, its unit and comparison)."""
        text, previous = self.text, self.previous
        boundary = max(mention.quote_start, text.rfind(";", 0, mention.value_start) + 1)
        if previous is not None and previous.value_end > boundary:
            boundary = previous.value_end
        lead = text[boundary : mention.value_start]
        if previous is not None and boundary == previous.value_end:
            previous_unit = unit_text(previous).strip()
            lead = _PAST_BASE.sub("", _BASE.sub(" ", lead))
            if previous_unit and lead.lstrip().startswith(previous_unit):
                lead = lead.lstrip()[len(previous_unit) :]
                if previous_unit == "tỉnh":  # "xếp thứ 22/63 tỉnh, thành phố, tăng 08 bậc"
                    lead = re.sub(r"^\s*,?\s*thành phố", "", lead)
                lead = REGARD.sub("", lead, count=1) if REGARD.match(lead) else lead
                comma = lead.find(",")
                if comma > 0 and "(" not in lead[:comma] and not VERB.search(lead, 0, comma):
                    lead = lead[comma + 1 :]  # "09 người chết, 50 người": the tail of the figure before's noun
        return lead

    def _tails(self, mention: Mention, following: int) -> tuple[str, str, str]:
        """(the figure's unit, the words after it to the next figure, the rest of its clause)."""
        text = self.text
        tail_end = min(following, mention.quote_end)
        semicolon = text.find(";", mention.value_end, tail_end)
        tail = text[mention.value_end : semicolon if semicolon >= 0 else tail_end]
        unit = unit_text(mention)
        tail = tail[len(unit) :] if tail.startswith(unit) else tail
        rest = text[mention.value_end + len(unit) : mention.quote_end]
        rest = re.split(r"[;)]|\.(?!\d)", rest, maxsplit=1)[0]
        return unit, tail, rest

    def read(self, section_id: str, index: int, mention: Mention, following: int) -> Statement:
        if mention.quote_start != self.sentence_start:
            self._new_sentence(mention)
        elif self.previous is not None and ";" in self.text[self.previous.value_end : mention.value_start]:
            self.group_subject = self.level_unit = None
        lead = self._lead(mention)
        unit, tail, rest = self._tails(mention, following)
        own = self._subject(mention, lead, unit, tail)
        regard = REGARD.match(rest)
        subject = own
        if regard and own:  # "5-8,5%/năm đối với lĩnh vực sản xuất kinh doanh": what the figure is of
            subject = f"{own} {clean_subject(regard.group(1))}"
        prices = PRICES_AFTER.match(rest)
        if prices and subject:  # "đạt 73.230 tỷ đồng (giá hiện hành)": at current prices
            subject = f"{subject} {prices.group(1)}"
        sentence_lead = self.text[mention.quote_start : mention.value_start]
        if (
            (self.current_prices or parts_at_current_prices(sentence_lead))
            and subject
            and self.quantity.get(mention.unit_id or "") == "money"
        ):
            subject = f"{subject} giá hiện hành"
        sentence = self.text[mention.quote_start : mention.quote_end]
        phrases = period_phrases(sentence, int(self.report[1][:4]))
        start, end, period_from = period_before(phrases, len(sentence_lead), *self.report)
        if period_from == "report" and self.carried_period:
            (start, end), period_from = self.carried_period, "clause"
        elif period_from == "report" and self.implied_month:
            (start, end), period_from = self.implied_month, "implied"
        elif period_from == "report" and (month := in_the_month(sentence_lead, self.report)):
            (start, end), period_from = month, "clause"  # "Trong tháng, …" in a release of several months
        elif period_from == "report" and (month := month_before_cumulative(rest, self.report)):
            (start, end), period_from = month, "implied"  # "đạt 5 triệu USD, lũy kế 3 tháng …"
        if self.first_period is None:  # what a sentence that goes on from this one carries: its first figure's
            self.first_period = ((start, end) if period_from == "clause" else None,)
        numerator = self.previous if self.previous is not None and self.previous.role == NUMERATOR else None
        words = (lead, tail, rest, sentence_lead, sentence)
        if self.so_alone:
            words = tuple(SO_ALONE.sub("so với", x) for x in words)
        clause = Clause(
            *words[:4], (start, end), numerator,
            self.denominator_measure, self.sentence_base, self.sentence_level, words[4], self.last_change,
        )  # fmt: skip
        measure, why = read_measure(mention, clause)
        changes = CHANGE.findall(lead)
        direction = None
        if changes and measure and measure.startswith("change"):
            direction = "decrease" if changes[-1].lower() in ("giảm", "thấp hơn") else "increase"
        subject, measure, why, direction = self._listed(mention, lead, subject, (measure, why, direction))
        statement = Statement(
            index, section_id, subject or None,
            self.sentence_subject if self.sentence_subject != subject else None,
            measure, why, start, end, period_from, direction, self._target(mention, sentence, start),
        )  # fmt: skip
        if self.group_subject and self.group_subject not in (subject, self.sentence_subject):
            statement.group_context = self.group_subject
        if not clean_subject(VERB.sub(" ", lead)) and measure and measure.startswith("change"):
            statement.level_unit = self.level_unit  # "đạt 3.950 USD, tăng 10%": a change of that level
        statement.part = self.parts or bool(PARTS.search(re.sub(r"\([^()]*\)", "", sentence_lead)))
        place = PLACE.search(lead)
        statement.place = place.group(1) if place else None
        self.sentence_statements.append(statement)
        bracketed = sentence_lead.count("(") > sentence_lead.count(")")
        if measure == "value" and not bracketed:  # "62,6 triệu đồng (2.665 USD/người), tăng 9,5%": the đồng
            self.level_unit = mention.unit_id
        if measure == "change_pct_previous_month" and period_from == "report":
            self._imply_month(statement)
        if mention.kind == "period" or period_phrase(self.text, mention):
            # "9 tháng" names the period of the figure after it: neither a figure nor a subject
            statement.measure, statement.measure_reason = None, "period_length"
            return statement
        if self.quantity.get(mention.unit_id or "") == "rating":
            return statement  # "3 sao" qualifies the noun before it: part of the next figure's subject
        if statement.target and measure == "value":
            statement.measure = "target"
        if mention.role == RANGE_HIGH and self.low_measure == "typical_low":
            statement.measure = "typical_high"
        self.low_measure = statement.measure if mention.role == RANGE_LOW else None
        self._remember(mention, own, measure)
        return statement

    def _listed(self, mention: Mention, lead: str, subject: str, read: tuple) -> tuple:
        """(subject, measure, why, direction) of a figure of a list "A, B và C tăng lần lượt là …": each figure the
        item in its place and the first figure's measure; a list whose items cannot be counted out, unresolved."""
        if self.listing is not None and self.listing.next < len(self.listing.items):
            item = self.listing.take()
            if item is None:
                return None, None, "list_unmatched", None
            return (
                item,
                self.listing.measure,
                read[1] if read[0] == self.listing.measure else None,
                self.listing.direction,
            )
        self.listing = None
        run = self.runs.get(mention.value_start, 1)
        head = list_head(lead) if run > 1 else None
        if head is None:
            return (subject, *read)
        items = split_items(own_clause(head), run, clean_subject)
        self.listing = Listing(items or [None] * run, read[0], read[2])
        return (items[0], *read) if items else (None, None, "list_unmatched", None)

    def _imply_month(self, statement: Statement) -> None:
        """ "Kim ngạch xuất khẩu ước đạt 2,5 tỷ USD, tăng 7,1% so với tháng trước …" in a release of several months:
        the last month's figure, and so are the figures of its sentence that name no period of their own."""
        start, end = self.report
        if start[:7] == end[:7]:
            return
        self.implied_month = (end[:8] + "01", end)
        for earlier in self.sentence_statements:
            if earlier.period_from == "report":
                earlier.period_start, earlier.period_end, earlier.period_from = *self.implied_month, "implied"

    def _remember(self, mention: Mention, subject: str | None, measure: str | None) -> None:
        self.previous = mention
        self.previous_subject = subject or self.previous_subject
        self.sentence_subject = self.sentence_subject or subject or None
        self.group_subject = self.group_subject or subject or None
        self.denominator_measure = measure if mention.role == DENOMINATOR else None
        self.last_change = measure if measure and measure.startswith("change_pct") else None
        if measure and measure.startswith("pct_of_"):
            self.sentence_base = measure
        if measure in ("value", "plan", "estimate") and mention.unit_id != "percent" and mention.role == SINGLE:
            self.sentence_level = measure

    def _target(self, mention: Mention, sentence: str, start: str) -> bool:
        year = int(self.report[1][:4])
        return (
            self.tasks
            or any(at < mention.value_start - mention.quote_start for at in _target_words(sentence))
            or int(start[:4]) > year
            or _later_year(sentence, year)
        )

    def _subject(self, mention: Mention, lead: str, unit: str, tail: str) -> str:
        verbs = list(VERB.finditer(lead))
        subject_text = lead[: verbs[-1].start()] if verbs else lead
        if verbs and not clean_subject(subject_text) and len(verbs) > 1:
            subject_text = lead[: verbs[0].start()]
        if subject_text.rstrip().endswith("("):  # "… thu ngân sách (giảm 6,8%)": the noun before the bracket
            inner = subject_text.rstrip()[:-1]
            before = list(VERB.finditer(inner))
            noun = inner[before[-1].end() :] if before else inner
            subject_text = noun if clean_subject(noun) else subject_text
        subject_text = own_clause(TRAILING_VERB.sub("", subject_text))
        if verbs and verbs[-1].group(1).lower() in ("với", "có") and clean_subject(lead[verbs[-1].end() :]):
            # "86 doanh nghiệp thành lập mới với vốn đăng ký 612,3 tỷ đồng": the figure is the noun's after "với"
            self.sentence_subject = self.sentence_subject or clean_subject(subject_text) or self.previous_subject
            subject_text = lead[verbs[-1].end() :]
        if mention.role == NUMERATOR:  # "66/80 buổi biểu diễn": the noun after the whole a/b
            end = mention.value_start + len(mention.expression)
            unit, tail = re.sub(r"^.*?\d(?=\D*$)", "", mention.expression), self.text[end : mention.quote_end]
        subject = clean_subject(subject_text) + noun_after(mention, unit, tail, self.quantity)
        subject = " ".join(subject.split())
        if not subject and self.previous_subject:
            subject = self.previous_subject
        if self.sentence_subject and re.match(r"(?i)\s*(?:so với cùng kỳ\s*)?về số(?!\w)", tail):
            subject = self.sentence_subject  # "tăng 12% về số lượng": the change in the count the sentence is about
        return subject


_CONTINUES = re.compile(r"(?i)\s*(?:[-+•]\s*)?(?:trong đó|cụ thể|ngoài ra|so với cùng kỳ(?: năm trước)?)\s*[,:]")
_PAST_BASE = re.compile(
    r"(?i)^\s*(?:%\s*)?(?:(?:so với\s+)?(?:kế hoạch|KH|dự toán|chỉ tiêu|mục tiêu|kịch bản)(?!\w)"
    r"(?:\s+(?:năm \d{4}|HĐND|UBND|Hội đồng nhân dân|Thủ tướng|Chính phủ|trung ương|tỉnh|thành phố|giao|đề ra"
    r"|được giao))*"
    r"|(?:trong|so với|của) tổng [^,;]*)"
)


@functools.lru_cache(maxsize=4096)
def _target_words(sentence: str) -> tuple[int, ...]:
    """Where the words of a target ("phấn đấu", "mục tiêu"...) start in a sentence."""
    return tuple(m.start() for m in _TARGET.finditer(sentence))


@functools.lru_cache(maxsize=4096)
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
