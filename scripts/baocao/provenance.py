"""Provenance of a report that metadata/sources.yaml does not know yet, read from its own text.

The record is flagged `inferred`, published as such, and printed so that an officer can
review it and copy it into metadata/sources.yaml.
"""

from __future__ import annotations

import calendar
import re
from pathlib import Path
from typing import Any

from baocao.parse import Document
from baocao.read import Source
from baocao.text import slug

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_PERIODS = [
    # (pattern over the title, function of the match giving (start month, end month, year))
    (re.compile(r"(\d{1,2}) tháng đầu năm (\d{4})", re.I), lambda m: (1, int(m[1]), int(m[2]))),
    (re.compile(r"(\d{1,2}) tháng cuối năm (\d{4})", re.I), lambda m: (13 - int(m[1]), 12, int(m[2]))),
    (re.compile(r"(\d{1,2}) tháng năm (\d{4})", re.I), lambda m: (1, int(m[1]), int(m[2]))),
    (
        re.compile(r"quý (IV|III|II|I) năm (\d{4})", re.I),
        lambda m: (3 * _ROMAN[m[1].upper()] - 2, 3 * _ROMAN[m[1].upper()], int(m[2])),
    ),
    (re.compile(r"(?:cả )?năm (\d{4})", re.I), lambda m: (1, 12, int(m[1]))),
]
_PROVINCE = re.compile(r"(?:trên địa bàn |của )?tỉnh ([A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?: [A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,2})")


def period_of(title: str) -> tuple[str, str] | None:
    for pattern, months in _PERIODS:
        match = pattern.search(title)
        if match:
            first, last, year = months(match)
            if not (1 <= first <= last <= 12):
                return None
            end_day = calendar.monthrange(year, last)[1]
            return f"{year:04d}-{first:02d}-01", f"{year:04d}-{last:02d}-{end_day:02d}"
    return None


def infer(path: Path, source: Source, document: Document, licence: str) -> dict[str, Any]:
    header = document.header
    title = header.get("title") or ""
    full_title = f"{(header.get('document_type') or 'Báo cáo').capitalize()} {title}".strip()
    province_match = _PROVINCE.search(title) or _PROVINCE.search(header.get("addressee") or "")
    province = province_match.group(1) if province_match else (header.get("place") or "")
    signature = " ".join(document.signature).upper()
    if "ỦY BAN NHÂN DÂN" in signature or "UBND" in (header.get("document_symbol") or ""):
        issuer_vi, issuer_en = f"Ủy ban nhân dân tỉnh {province}", f"{province} Provincial People's Committee"
    else:
        issuer_vi, issuer_en = f"tỉnh {province}", f"{province} province"
    period = period_of(title) or period_of(full_title)
    start, end = period if period else ("", "")
    addressee = header.get("addressee") or ""
    return {
        "id": slug(path.stem),
        "file": path.name,
        "sha256": source.sha256,
        "title_vi": full_title,
        "title_en": f"Socio-economic report of {province} province, {start} to {end} (title inferred, to review)",
        "issuer_vi": issuer_vi,
        "issuer_en": issuer_en,
        "addressee_vi": addressee,
        "addressee_en": "People's Council" if "Hội đồng nhân dân" in addressee or "HĐND" in addressee else addressee,
        "province": province,
        "period_start": start,
        "period_end": end,
        "language": "vi",
        "licence": licence,
        "document_symbol": header.get("document_symbol"),
        "note_vi": "Thông tin nguồn được suy ra từ văn bản báo cáo, cần được kiểm tra.",
        "note_en": "Provenance inferred from the report's text, to be reviewed.",
        "inferred": True,
    }
