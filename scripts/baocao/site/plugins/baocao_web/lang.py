"""One language per URL: Vietnamese at /..., English at /en/...; numbers and words in each.

The English prefix is taken off before Datasette sees the request, and put back on
every link of this site in the HTML it answers (and in its redirects), so that an
English page only ever leads to English pages.
"""

from __future__ import annotations

import contextvars
import re
import unicodedata
from decimal import Decimal, InvalidOperation

LANGUAGES = ("vi", "en")
PREFIX = "/en"
LANG: contextvars.ContextVar[str] = contextvars.ContextVar("baocao_lang", default="vi")

# links of this site in an English page: every href, src, action that is a path of the site,
# except the language-neutral files (stylesheet, charts, downloads, Datasette's static files)
_LINK = re.compile(rb'(\s(?:href|action|formaction)=")/(?!/|en/|en"|assets/|-/static/|-/static-plugins/)')


def split_path(path: str) -> tuple[str, str]:
    """(language, path without the language prefix)."""
    if path == PREFIX or path.startswith(PREFIX + "/"):
        return "en", path[len(PREFIX) :] or "/"
    return "vi", path


def localise(path: str, lang: str) -> str:
    """A path of the site (as Vietnamese, unprefixed) in ``lang``."""
    if lang != "en" or not path.startswith("/") or path.startswith("//"):
        return path
    return PREFIX + path


_TAG = re.compile(rb"<[^<>]*>")
_TO_VIETNAMESE = re.compile(rb'\shreflang="(?:vi|x-default)"')


def _english_tag(tag: re.Match[bytes]) -> bytes:
    text = tag.group(0)
    return text if _TO_VIETNAMESE.search(text) else _LINK.sub(rb"\1/en/", text)


def rewrite_html(body: bytes) -> bytes:
    """Every link to a page of this site in an English page, made English; but those that say they lead to
    the Vietnamese page (hreflang="vi", "x-default")."""
    return _TAG.sub(_english_tag, body)


def number(value, lang: str, places: int | None = None) -> str:
    """A number in the reader's notation: 4.128,5 in Vietnamese, 4,128.5 in English."""
    if value is None or value == "":
        return ""
    try:
        decimal = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if places is not None:
        decimal = round(decimal, places)
    if decimal == decimal.to_integral_value():
        decimal = decimal.quantize(Decimal(1))
    else:
        decimal = decimal.normalize()
    text = f"{decimal:,f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text.replace("-", "\u2212")


_MARKS = re.compile("[\u0300-\u036f]+")


def fold(text: str) -> str:
    """Vietnamese without diacritics, lower case: 'Chợ Đồn' -> 'cho don'.

    The words searched for are folded so; the index holds the same, folded by its tokenizer
    (unicode61, remove_diacritics 2) after đ is written d (baocao.database.load.add_search).
    """
    return _MARKS.sub("", unicodedata.normalize("NFD", text)).replace("đ", "d").replace("Đ", "D").lower()


# the request as the reader sent it (path without prefix, query before folding and default columns),
# and whether a table shows its main columns only because the reader did not choose
TARGET: contextvars.ContextVar[dict | None] = contextvars.ContextVar("baocao_target", default=None)


def ui_strings(site: dict, lang: str):
    """ui(key, **values): the interface word ``key`` of metadata/interface.yaml in ``lang``."""
    strings = site.get("ui", {})

    def ui(key: str, **values) -> str:
        text = (strings.get(key) or {}).get(lang, key)
        return text.format(**values) if values else text

    return ui


_VI_WORD = r"[^\W\d_]*(?:[ăâđêôơưĂÂĐÊÔƠƯ]|[À-ỹ](?<![×÷]))[^\W\d_]*"
_VI_RUN = re.compile(rf"{_VI_WORD}(?:\s+{_VI_WORD})*")


def mark_vietnamese(text: str) -> str:
    """English text quoting Vietnamese words: each run of them in <span lang="vi"> (HTML, escaped); names stay."""
    from markupsafe import Markup, escape

    out, cursor = [], 0
    for match in _VI_RUN.finditer(text or ""):
        if all(word[0].isupper() for word in match.group(0).split()):
            continue  # a name, as English writes it: Bắc Kạn
        out.append(str(escape(text[cursor : match.start()])))
        out.append(f'<span lang="vi">{escape(match.group(0))}</span>')
        cursor = match.end()
    out.append(str(escape((text or "")[cursor:])))
    return Markup("".join(out))
