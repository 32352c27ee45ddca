"""Cited legal and administrative documents: 82/NQ-HĐND, Nghị định số 45/2021/NĐ-CP, 10-NQ/TU, ..."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from baocao.core.text import slug

_UP = "A-ZĐÀ-Ỹ"
# 82/NQ-HĐND, 01/2022/NQ-HĐND, 111/2024/QH15, 2942/UBND-TH
_STATE_SYMBOL = rf"\d{{1,5}}[a-z]?(?:/\d{{4}})?/[{_UP}][{_UP}a-z0-9]*(?:\s?[-–]\s?[{_UP}][{_UP}a-z0-9]*)*"
# Party documents: 10-NQ/TU, 11- NQ/TW
_PARTY_SYMBOL = rf"\d{{1,5}}\s?-\s?[{_UP}]{{2,4}}/[{_UP}]{{2,4}}"
# Abbreviated citations: NĐ 28/2022, QĐ 2085/2016, NĐ75
_SHORT = r"(?P<short>NĐ|QĐ|NQ|TT|CT)\s?(?P<short_symbol>\d{1,5}(?:/\d{4})?(?:/[A-ZĐ][A-ZĐa-z0-9-]*)?)"
_DATE = r"\d{1,2}/\d{1,2}/\d{4}"


@dataclass
class Citation:
    section_id: str
    start: int
    end: int
    text: str


@dataclass
class LegalDocument:
    symbol: str
    type_code: str | None
    number: str
    year: int | None
    issuer_code: str | None
    date: str | None  # ISO date
    issuer_text: str | None
    citations: list[Citation] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        parts = [self.type_code or "vb", self.number, str(self.year) if self.year else "", self.issuer_code or ""]
        return slug("-".join(p for p in parts if p))


class LegalExtractor:
    def __init__(self, document_types: list[dict], issuers: list[dict], issuer_of_kind: dict[str, str] | None = None):
        """``issuer_of_kind``: who issues a kind of document cited without its issuer (labels.yaml's citations)."""
        self.types = document_types
        self.issuer_of_kind = issuer_of_kind or {}
        self.issuer_codes = sorted((i["code"] for i in issuers), key=len, reverse=True)
        words = sorted((w for t in document_types for w in t["words"]), key=len, reverse=True)
        self.word_to_code = {w.lower(): t["code"] for t in document_types for w in t["words"]}
        self.symbol_codes = {t["code"] for t in document_types}
        kind = "|".join(re.escape(w) for w in words)
        issuer = r"(?P<issuer>[^,;.()]{3,80}?)"
        issuer_end = r"(?=\s+(?:về|quy định|ban hành|phê duyệt|sửa đổi|thực hiện)\b|[,;.()]|$)"
        self.pattern = re.compile(
            rf"(?:(?P<kind>{kind})\s+(?:số\s+)?)?"
            rf"(?:(?P<symbol>{_PARTY_SYMBOL}|{_STATE_SYMBOL})|{_SHORT})"
            rf"(?:\s+ngày\s+(?P<date>{_DATE}))?"
            rf"(?:\s+của\s+{issuer}{issuer_end})?"
        )

    def find(self, text: str) -> list[tuple[int, int, dict]]:
        found = []
        for match in self.pattern.finditer(text):
            if (
                match.start() > 0
                and text[match.start() - 1].isalnum()
                and not match.group("kind")
                and not match.group("short")
            ):
                continue
            symbol = match.group("symbol") or match.group("short_symbol")
            if symbol is None or "/" not in symbol and not match.group("short"):
                continue
            if (
                match.group("short") is None
                and not match.group("kind")
                and re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", symbol)
            ):
                continue
            found.append((match.start(), match.end(), self._describe(match)))
        return found

    def _describe(self, match: re.Match[str]) -> dict:
        symbol = re.sub(r"\s+", "", match.group("symbol") or match.group("short_symbol"))
        short = match.group("short")
        number = re.match(r"\d+[a-z]?", symbol).group(0)
        year_match = re.search(r"/(\d{4})(?:/|$)", symbol)
        year = int(year_match.group(1)) if year_match else None
        date = None
        if match.group("date"):
            day, month, y = (int(x) for x in match.group("date").split("/"))
            date = f"{y:04d}-{month:02d}-{day:02d}"
            year = year or y
        type_code = None
        if match.group("kind"):
            type_code = self.word_to_code[match.group("kind").lower()]
        codes = re.split(r"[-/–]", symbol[len(number) :].lstrip("/"))
        codes = [c for c in codes if c and not c.isdigit()]
        if type_code is None and short:
            type_code = short
        if type_code is None and codes and codes[0] in self.symbol_codes:
            type_code = codes[0]
        if short and "/" in symbol and not re.search(rf"/{short}\b", symbol) and not codes or short and not codes:
            symbol = f"{short} {symbol}"
        remaining = codes[1:] if codes and codes[0] in self.symbol_codes else codes
        issuer_code = None
        if remaining:
            issuer_code = next((i for i in self.issuer_codes if remaining[0].startswith(i)), remaining[0])
        if issuer_code is None and short:
            issuer_code = self.issuer_of_kind.get(short)
        return {
            "symbol": symbol,
            "type_code": type_code,
            "number": number,
            "year": year,
            "date": date,
            "issuer_code": issuer_code,
            "issuer_text": (match.group("issuer") or "").strip() or None,
        }


def collect(found: list[tuple[str, int, int, str, dict]]) -> list[LegalDocument]:
    """Merge citations (section_id, start, end, text, description) into distinct documents."""
    documents: dict[tuple[str, int | None], LegalDocument] = {}
    pending = []
    for section_id, start, end, text, info in found:
        citation = Citation(section_id, start, end, text)
        if info["year"] is None:
            pending.append((citation, info))
            continue
        key = (info["symbol"], info["year"])
        document = documents.get(key)
        if document is None:
            document = documents[key] = LegalDocument(
                **{k: info[k] for k in ("symbol", "type_code", "number", "year", "issuer_code", "date", "issuer_text")}
            )
        document.date = document.date or info["date"]
        document.issuer_text = document.issuer_text or info["issuer_text"]
        document.type_code = document.type_code or info["type_code"]
        document.citations.append(citation)
    for citation, info in pending:
        matches = [d for (symbol, _), d in documents.items() if symbol == info["symbol"]]
        if len(matches) == 1:
            matches[0].citations.append(citation)
            continue
        key = (info["symbol"], None)
        document = documents.get(key)
        if document is None:
            document = documents[key] = LegalDocument(
                **{k: info[k] for k in ("symbol", "type_code", "number", "year", "issuer_code", "date", "issuer_text")}
            )
        document.citations.append(citation)
    return list(documents.values())
