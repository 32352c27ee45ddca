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

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from baocao.core.errors import BaocaoError
from baocao.core.gazetteer import ISSUERS, Gazetteer
from baocao.core.labels import labels
from baocao.core.normalize import reading_copy
from baocao.core.text import slug
from baocao.reading.parse import Document
from baocao.reading.read import Source
from baocao.reading.report_period import Period, parse_period_option, period_of

if TYPE_CHECKING:
    from baocao.core.metadata import Metadata

_DATE_LINE = re.compile(r"(?i)ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+((?:19|20)\d{2})")
_DATELINE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})(?![\d/])")


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


def _body(document: Document) -> str:
    """The text of every section but the footnotes, in reading order."""
    return "\n".join(s.text for s in document.sections if s.kind != "footnote" and s.text)


def _head_text(document: Document) -> str:
    """The title, the issuing body, the addressee and the first sentences: where a report names its
    province and period."""
    header = document.header
    body = _body(document)
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


_TITLE_LINE = re.compile(r"(?i)\s*(?:tình hình|báo cáo|thông cáo)[^\n]{0,120}?(?:kinh tế|xã hội)")


def _period(path: Path, title: str, head: str, published: str | None, overrides: dict[str, str | None]) -> Period:
    if overrides.get("period"):
        start, end = parse_period_option(overrides["period"])
        return Period(start, end, None)
    year_hint = _year_hint(published, head)
    # a line of the opening that reads as the title ("Tình hình kinh tế - xã hội tỉnh X tháng 8 năm 2019") wins
    # over a year in the page's chrome above it ("Năm 2019")
    titled = next((line for line in head.split("\n") if _TITLE_LINE.match(line)), "")
    found = period_of(title, year_hint) or period_of(f"{titled}\n{head}" if titled else head, year_hint)
    if found is not None and year_hint and period_of(title) is None:
        # "9 tháng đầu năm" in the title dated by the page, "9 tháng năm 2024" in the text: the text's year
        named = period_of(head)
        if named is not None and (named.start[4:], named.end[5:7]) == (found.start[4:], found.end[5:7]):
            found = named
    if found is None:
        raise BaocaoError(
            "no reporting period in the title or the first sentences (such as '6 tháng đầu năm 2024', "
            "'quý III/2024', 'tháng 10 năm 2023'); give it with --period (for example --period 2024-H1)",
            path,
        )
    month = found.start[5:7] == found.end[5:7] != "01"
    if month and re.search(r"(?i)kinh tế\s*[-–]\s*xã hội", titled):
        # "Tình hình kinh tế - xã hội tháng 8 năm 2019" that gives no months from January: the month, or the
        # months to it, as the release is read
        months = f"{found.start[:4]}-{int(found.end[5:7])}M"
        raise BaocaoError(
            f"a month's release ({found.phrase!r}) that does not say whether it reports on the month or the months "
            f"from January to it; give it with --period ({found.start[:7]} or {months})",
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
    body = _body(document)
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
