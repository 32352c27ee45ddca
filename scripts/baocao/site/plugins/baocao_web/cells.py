"""How a cell reads: numbers in the reader's notation with their unit, short labels for codes,
the report's sentences cut around their figure in tables, and report text marked lang="vi"."""

from __future__ import annotations

import contextvars
from urllib.parse import quote

from markupsafe import Markup, escape

from .lang import LANG, number

# "table" or "row": a table page cuts long text, a row page shows it whole
VIEW: contextvars.ContextVar[str] = contextvars.ContextVar("baocao_view", default="table")
EXCERPT = 90  # characters of a sentence kept on each side of its figure in a table
TEXT_IN_TABLE = 240  # characters of a section's text in a table


def _get(row, name):
    try:
        value = row[name]
    except (IndexError, KeyError, TypeError):
        return None
    return value["value"] if isinstance(value, dict) else value


def _vi(html: str) -> Markup:
    """Report text: marked Vietnamese on an English page."""
    return Markup(f'<span lang="vi">{html}</span>') if LANG.get() == "en" else Markup(html)


def excerpt(sentence: str, figure: str | None, width: int = EXCERPT) -> str:
    """The sentence cut around the first place it writes ``figure``, which is highlighted (HTML)."""
    at = sentence.find(figure) if figure else -1
    if at < 0:
        if len(sentence) <= 2 * width:
            return str(escape(sentence))
        return str(escape(sentence[: 2 * width].rstrip())) + "…"
    start, end = max(0, at - width), min(len(sentence), at + len(figure) + width)
    if start:
        start = sentence.find(" ", start) + 1 or start
    if end < len(sentence):
        end = sentence.rfind(" ", at + len(figure), end) if sentence.rfind(" ", at + len(figure), end) > 0 else end
    return (
        ("…" if start else "")
        + str(escape(sentence[start:at]))
        + f"<mark>{escape(figure)}</mark>"
        + str(escape(sentence[at + len(figure) : end]))
        + ("…" if end < len(sentence) else "")
    )


def _link(site: dict, database: str, table: str, key: str, label: str) -> Markup:
    href = f"/{database}/{quote(table)}/{tilde(key)}"
    lang = LANG.get()
    short = (site.get("short_labels", {}).get(table, {}).get(key) or {}).get(lang)
    text = escape(short or label or key)
    if lang == "en" and table in site.get("vietnamese_labels", []):
        text = Markup(f'<span lang="vi">{text}</span>')
    return Markup(f'<a href="{escape(href)}">{text}</a>')


def tilde(value: str) -> str:
    """Datasette's tilde encoding of a key in a path."""
    out = []
    for char in str(value):
        if char.isascii() and (char.isalnum() or char in "_-"):
            out.append(char)
        elif char == " ":
            out.append("+")
        else:
            out.extend(f"~{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def render(site: dict, row, value, column: str, table: str, database: str):
    """A cell's HTML, or None to leave it to Datasette."""
    lang = LANG.get()
    cells = site.get("cells", {})
    if isinstance(value, dict) and "label" in value:
        other = cells.get("foreign_keys", {}).get(table, {}).get(column)
        if other is None:
            return None
        return _link(site, database, other, value["value"], value["label"])
    if value is None or value == "":
        return None
    if column in cells.get("numbers", {}).get(table, ()):
        text = number(value, lang)
        unit_id = _get(row, "unit_id") if column in ("value", "signed_value") else None
        unit = (site.get("units", {}).get(unit_id) or {}).get(lang) if unit_id else None
        return Markup(f'<span class="num">{escape(text)}</span>' + (f" {escape(unit)}" if unit else ""))
    if column in cells.get("report_text", ()) and isinstance(value, str):
        if VIEW.get() == "table":
            if column == "quote":
                return _vi(excerpt(value, _get(row, "value_text")))
            if column == "text" and len(value) > TEXT_IN_TABLE:
                return _vi(str(escape(value[:TEXT_IN_TABLE].rsplit(" ", 1)[0])) + "…")
        return _vi(str(escape(value)))
    return None
