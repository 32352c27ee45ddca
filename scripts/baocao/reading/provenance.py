"""Provenance of a report that metadata/sources.yaml does not know yet, read from its own text.

The province comes from the gazetteer (metadata/provinces.yaml: the 63 provinces before
1 July 2025, the 34 after, and the whole country), the issuer from the header and
signature (People's Committee, statistics office, the national statistics office, or a
newspaper quoting them), the reporting period from the title or the first sentences,
and the publication date where it is printed. What the command line gives
(``--province``, ``--period``, ``--issuer``) wins over what is read.

The record is flagged `inferred`, published as such, and printed so that an officer can
review it and copy it into metadata/sources.yaml. A report whose province or period
cannot be known is refused, naming the flag that supplies it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from baocao.core.errors import BaocaoError
from baocao.core.gazetteer import ISSUERS, Gazetteer
from baocao.core.labels import labels
from baocao.core.normalize import reading_copy
from baocao.core.text import slug
from baocao.reading.numbers import COUNT_WORDS, count_of
from baocao.reading.parse import Document
from baocao.reading.read import Source

if TYPE_CHECKING:
    from baocao.core.metadata import Metadata

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
_DATE_LINE = re.compile(r"(?i)ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+((?:19|20)\d{2})")
_DATELINE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})(?![\d/])")


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
    near = [f for f in found if f[0] - first_at <= 24]
    _, _, (first, last, year), phrase = max(near, key=lambda f: (f[2][1] - f[2][0], -f[0]))
    if first > 1:
        first, phrase = _cumulative(reading, text, found, first, last, year, phrase)
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


_UBND = re.compile(r"(?i:ủy ban nhân dân|\bUBND\b)")
_GSO = re.compile(
    r"(?i:tổng cục thống kê)|\bCục Thống kê\b(?!\s+(?:tỉnh|thành phố|TP))|CỤC THỐNG KÊ(?!\s+(?:TỈNH|THÀNH))"
)
_STATS = re.compile(r"(?i:cục thống kê|chi cục thống kê|thống kê tỉnh|thống kê thành phố)")


def issuer_kind(document: Document, head: str, national: bool) -> str:
    """Who issued the text: ubnd, statistics_office, gso (national), newspaper, or unknown."""
    header = document.header
    official = bool(header.get("document_symbol") or header.get("document_type"))
    top = reading_copy(" ".join(filter(None, [header.get("document_symbol") or "", " ".join(document.signature)])))
    if official or document.signature:
        if _UBND.search(top):
            return "ubnd"
        if national and _GSO.search(top + " " + head[:300]):
            return "gso"
        if _STATS.search(top + " " + head[:300]):
            return "statistics_office"
        if _UBND.search(head[:300]):
            return "ubnd"
        return "unknown"
    return "newspaper"


def _head_text(document: Document) -> str:
    """The title, the issuing body, the addressee and the first sentences: where a report names its
    province and period."""
    header = document.header
    body = "\n".join(s.text for s in document.sections if s.kind not in ("footnote",) and s.text)
    pieces = [header.get("title") or "", header.get("issuer_text") or "", header.get("addressee") or "", body[:800]]
    return "\n".join(p for p in pieces if p)


_ISO_DATE = re.compile(r"(?<![\w-])((?:19|20)\d{2})-(\d{2})(?:-(\d{2}))?(?![\w-])")


def _year_hint(published: str | None, head: str) -> int | None:
    """The year of the publication date, else of an ISO date at the top of a saved page ("date 2024-07")."""
    if published:
        return int(published[:4])
    match = _ISO_DATE.search(head[:120])
    return int(match[1]) if match and 1 <= int(match[2]) <= 12 else None


def _published(document: Document, head: str) -> str | None:
    for text in (document.header.get("date_text") or "", head[:400]):
        reading = reading_copy(text)
        for pattern in (_DATE_LINE, _DATELINE):
            match = pattern.search(reading)
            if match:
                day, month, year = (int(x) for x in match.groups())
                try:
                    return dt.date(year, month, day).isoformat()
                except ValueError:
                    continue
    return None


def provenance_for(
    path: Path, metadata: Metadata, source: Source, document: Document, overrides: dict[str, str | None] | None = None
) -> dict[str, Any]:
    """The report's record in metadata/sources.yaml, or one inferred from its text (flagged for review);
    the command line's --province, --period and --issuer win over either."""
    overrides = {k: v for k, v in (overrides or {}).items() if v}
    matches = [r for r in metadata.sources if r["file"] == path.name]
    if matches:
        return apply_overrides(matches[0], metadata.gazetteer, overrides) if overrides else matches[0]
    return infer(path, source, document, metadata, overrides)


def _period(path: Path, title: str, head: str, published: str | None, overrides: dict[str, str | None]) -> Period:
    if overrides.get("period"):
        start, end = parse_period_option(overrides["period"])
        return Period(start, end, None)
    year_hint = _year_hint(published, head)
    found = period_of(title, year_hint) or period_of(head, year_hint)
    if found is None:
        raise BaocaoError(
            "no reporting period in the title or the first sentences (such as '6 tháng đầu năm 2024', "
            "'quý III/2024', 'tháng 10 năm 2023'); give it with --period (for example --period 2024-H1)",
            path,
        )
    return found


def _province(path: Path, document: Document, head: str, gazetteer: Gazetteer, named: str | None) -> dict[str, Any]:
    if named:
        return gazetteer.named(named) or {"id": slug(named), "name": named.strip(), "kind": "tinh"}
    found_province, stated = gazetteer.find(head)
    signature_province, _ = gazetteer.find(" ".join(document.signature) + " " + (document.header.get("place") or ""))
    if stated:
        province = found_province
    elif gazetteer.national_in(head):
        province = gazetteer.named("national")  # "Hà Nội, ngày ..." heads a national release too
    else:
        province = signature_province or found_province or _province_in_body(document, gazetteer)
    if province is None:
        raise BaocaoError(
            "cannot tell from the text which province the report is about; give it with --province "
            "(a name from metadata/provinces.yaml, or 'national')",
            path,
        )
    return province


def _province_in_body(document: Document, gazetteer: Gazetteer) -> dict[str, Any] | None:
    """A text whose opening names no province: the one its body states ("tỉnh X") or the only one it names,
    unless it is about the whole country."""
    body = "\n".join(s.text for s in document.sections if s.kind != "footnote" and s.text)
    province, stated = gazetteer.find(body)
    return province if stated or (province and not gazetteer.national_in(body[:800])) else None


def _issuer(
    document: Document, head: str, province: dict[str, Any], gazetteer: Gazetteer, named: str | None
) -> tuple[str, str, str]:
    """The issuer's kind, and its name in Vietnamese and English (metadata/provinces.yaml's templates)."""
    national = province["kind"] == "ca_nuoc"
    kind = named or issuer_kind(document, head, national)
    if kind not in ISSUERS:
        raise BaocaoError(f"--issuer {kind!r}: give one of {', '.join(ISSUERS)}")
    if national and kind in ("ubnd", "statistics_office"):
        kind = "gso" if kind == "statistics_office" else kind
    kinds = gazetteer.data["kinds"][province["kind"]]
    template = gazetteer.data["issuers"][kind]
    words = {
        "name": province["name"],
        "kind_vi": kinds["vi"],
        "kind_en": kinds["en"],
        "kind_en_lower": kinds["en_lower"],
    }
    return kind, " ".join(template["vi"].format(**words).split()), " ".join(template["en"].format(**words).split())


def _addressee_en(addressee: str, known: list[dict[str, Any]]) -> str:
    """The addressee's English name where labels.yaml knows it, else as written."""
    return next((a["en"] for a in known if any(w in addressee for w in a["words"])), addressee)


def infer(
    path: Path,
    source: Source,
    document: Document,
    metadata: Metadata,
    overrides: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """A provenance record read from the text; raises if the province or the period cannot be known."""
    overrides = overrides or {}
    gazetteer, texts = metadata.gazetteer, labels(metadata)["inferred"]
    header = document.header
    head = _head_text(document)
    title = header.get("title") or ""
    full_title = (
        f"{(header.get('document_type') or texts['document_type']).capitalize()} {title}".strip()
        if title
        else (head.split("\n", 1)[0][:200] or path.stem)
    )
    published = _published(document, head)
    period = _period(path, title, head, published, overrides)
    province = _province(path, document, head, gazetteer, overrides.get("province"))
    kind, issuer_vi, issuer_en = _issuer(document, head, province, gazetteer, overrides.get("issuer"))
    addressee = header.get("addressee") or ""
    place_name = province["name"] if province["kind"] != "ca_nuoc" else gazetteer.national["name_en"]
    return {
        "id": slug(path.stem),
        "file": path.name,
        "sha256": source.sha256,
        "title_vi": full_title,
        "title_en": texts["title_en"].format(place=place_name, start=period.start, end=period.end),
        "issuer_vi": issuer_vi,
        "issuer_en": issuer_en,
        "issuer_kind": kind,
        "addressee_vi": addressee,
        "addressee_en": _addressee_en(addressee, texts["addressees"]),
        "province": province["name"],
        "province_id": province["id"],
        "period_start": period.start,
        "period_end": period.end,
        "period_phrase": period.phrase,
        "document_date": published,
        "language": "vi",
        "licence": metadata.package["licenses"][0]["name"],
        "document_symbol": header.get("document_symbol"),
        "note_vi": texts["note"]["vi"],
        "note_en": texts["note"]["en"],
        "inferred": True,
    }


def apply_overrides(record: dict[str, Any], gazetteer: Gazetteer, overrides: dict[str, str | None]) -> dict[str, Any]:
    """A recorded provenance with what the command line says instead."""
    record = dict(record)
    if overrides.get("period"):
        record["period_start"], record["period_end"] = parse_period_option(overrides["period"])
    if overrides.get("province"):
        province = gazetteer.named(overrides["province"])
        record["province"] = province["name"] if province else overrides["province"].strip()
    return record
