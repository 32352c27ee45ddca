"""The words of a figure's subject: what is left of its clause once periods, qualifiers and connectors are
set aside, the noun after a count or an area, the clause of its own, the place it names, the price basis its
whole is given at."""

from __future__ import annotations

import functools
import re

from baocao.figures.extract import DENOMINATOR, NUMERATOR, RANGE_HIGH, Mention
from baocao.figures.measure import VERB

PERIOD_WORDS = re.compile(
    r"(?i)(?<!\w)(?:trong đó|trong|tính chung|tính đến|lũy kế|luỹ kế|cộng dồn|bình quân|ước|dự ước|sơ bộ|khoảng|"
    r"(?:các )?tỉnh,? thành phố|toàn tỉnh|cao nhất|thấp nhất|phổ biến(?: ở mức)?|hiện nay|đến nay|"
    r"toàn thành phố|trên địa bàn(?: tỉnh| thành phố)?|của tỉnh|cả nước|toàn quốc|"
    r"(?:đầu|cuối) năm(?: (?:19|20)\d{2})?|(?:19|20)\d{2}|"
    r"\d{1,2} tháng(?: đầu năm| cuối năm)?|tháng \d{1,2}(?:/\d{4})?|quý (?:[IV]+|[1-4])(?:/\d{4})?|năm \d{4}|"
    r"đến (?:ngày )?\d{1,2}/\d{1,2}(?:/\d{4})?|tại thời điểm(?: cuối tháng \d{1,2})?|cuối tháng \d{1,2}|"
    r"theo (?!giá hiện hành|ngành kinh tế)[^,]*|riêng|với|có|tổng cộng|cụ thể|đạt|được|tương đương(?: với)?)(?!\w)"
)
CONNECTOR = re.compile(r"(?i)^(?:(?:và|nhưng|song|đồng thời|trong khi|còn)(?:\s+|$))+")


@functools.lru_cache(maxsize=8192)
def clean_subject(text: str) -> str:
    """A subject without period words, qualifiers, brackets' punctuation and leading connectors."""
    text = PERIOD_WORDS.sub(" ", text)
    text = re.sub(r"[-–:;,.()+\"“”/]", " ", text)
    return CONNECTOR.sub("", " ".join(text.split()))


PARTS = re.compile(r"(?i)(?<!\w)trong đó(?!\w)")


def parts_at_current_prices(sentence_lead: str) -> bool:
    """ "theo giá hiện hành GRDP đạt 25.204 tỷ đồng, trong đó: khu vực dịch vụ đạt …": the parts of a whole at
    current prices are at current prices too."""
    lead = sentence_lead.lower()
    prices = max(lead.rfind("giá hiện hành"), lead.rfind("giá so sánh"))
    return prices >= 0 and lead.startswith("giá hiện hành", prices) and "trong đó" in lead[prices:]


PLACE = re.compile(
    r"(?<!\w)(?:[Hh]uyện|[Tt]hị xã|[Qq]uận|[Tt]hị trấn|[Tt]hành phố|TP\.?)\s+"
    r"([A-ZĐ][^\s,;.()]*(?:\s+[A-ZĐ][^\s,;.()]*){0,3})"
)
PRICES_AFTER = re.compile(r"(?i)\s*\(?\s*(?:theo\s+)?(giá hiện hành|giá so sánh)")
REGARD = re.compile(r"(?i)\s*(?:/\s*năm)?\s*,?\s*đối với ([^,;()]{3,80})")
TRAILING_VERB = re.compile(r"(?i)(?:\s+(?:ước|dự ước|tăng|giảm|đạt|ước tính|đã|sẽ))+\s*$")


def unit_text(mention: Mention) -> str:
    """The words of a figure's expression after its number: " tỷ đồng" of "4.128 tỷ đồng", " điểm" of the
    b of "84,24/100 điểm" (the a of a/b has "/100 điểm" after it)."""
    expression, value = mention.expression, mention.value_text
    at = expression.rfind(value) if mention.role in (DENOMINATOR, RANGE_HIGH) else expression.find(value)
    unit = expression[at + len(value) :] if at >= 0 else ""
    return unit.split("/")[0] if mention.role == NUMERATOR else unit


def noun_after(mention: Mention, unit: str, tail: str, quantity: dict[str, str | None]) -> str:
    """The noun after a count ("86 doanh nghiệp thành lập mới") or a crop after its area or mass
    ("70.850 ha lúa"): part of what the figure is about."""
    kind = quantity.get(mention.unit_id or "")
    if mention.role in (DENOMINATOR, RANGE_HIGH) or mention.kind == "ordinal":
        return ""
    if kind in ("area", "mass"):
        noun = re.match(r"\s+([^\W\d][^,;.()]{0,30}?)(?=,|;|\.(?!\d)|\(| tăng| giảm| đạt| bằng| chiếm| so với|$)", tail)
        if noun and not VERB.match(noun.group(1)):
            return " " + clean_subject(noun.group(1))
    if kind == "count":
        noun = re.match(r"\s*([^,;.()]{0,80}?)(?=,|;|\.(?!\d)|\(|\)| với | tăng| giảm| đạt| bằng| chiếm|$)", tail)
        return f" {unit} {noun.group(1) if noun else ''}"
    return ""


def own_clause(text: str) -> str:
    """ "Nhờ giá nông sản tăng, tổng kim ngạch xuất khẩu": the words after the last comma that closes a
    clause with a verb of its own; commas inside a name ("xuất, nhập khẩu") are kept."""
    cut = 0
    for mark in re.finditer(r"[,:]", text):
        rest = clean_subject(text[mark.end() :])
        if not rest:
            continue
        # a clause ending in its verb ("… tăng,"), or one with a verb before ":" ("ước thực hiện đến 30/6/2024:")
        if CLAUSE_END.search(text, cut, mark.start()) or (
            mark.group(0) == ":" and VERB.search(text, cut, mark.start())
        ):
            cut = mark.end()
    return text[cut:]


CLAUSE_END = re.compile(VERB.pattern + r"(?:\s+\S+){0,2}\s*$")
