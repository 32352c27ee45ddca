"""Server-side SVG charts: no script, no CDN, readable in any browser and in the file itself."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

from baocao.reading.numbers import format_vi

COLOURS = ["#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0"]
FONT = "font-family='Helvetica, Arial, sans-serif'"


def number_label(value: Decimal, lang: str) -> str:
    value = Decimal(value).quantize(Decimal("0.01")).normalize()
    if lang == "vi":
        return format_vi(value)
    return f"{value:,f}"


def _wrap(text: str, width: int, most: int = 2) -> list[str]:
    """At most ``most`` lines of ``width`` characters; a text cut short ends with an ellipsis."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def bar_chart(
    title: str,
    rows: list[tuple[str, list[Decimal]]],
    series: list[str],
    lang: str,
    reference: Decimal | None = None,
    source: str = "",
) -> tuple[str, int, int]:
    """Horizontal bars, one group per row, one bar per series, and a source line. Returns (svg, width, height).

    A label cut short ends with an ellipsis and carries its whole text as a tooltip.
    """
    label_width, bar_area, bar_height, gap = 260, 420, 16, 12
    per_row = bar_height * len(series) + gap
    top = 46 + (18 if len(series) > 1 else 0)
    height = top + per_row * len(rows) + 24 + (18 if source else 0)
    width = label_width + bar_area + 90
    largest = max([v for _, values in rows for v in values if v is not None] + [reference or 0, Decimal(1)])
    scale = Decimal(bar_area) / Decimal(largest)
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}' "
        f"role='img' aria-label='{escape(title, {chr(39): '&#39;'})}' {FONT} font-size='12'>",
        f"<title>{escape(title)}</title>",
        f"<rect width='{width}' height='{height}' fill='white'/>",
    ]
    title_lines = _wrap(title, 95)
    for index, line in enumerate(title_lines[:1]):
        out.append(f"<text x='10' y='{20 + 16 * index}' font-size='14' font-weight='bold'>{escape(line)}</text>")
    if len(series) > 1:
        x = label_width
        for index, name in enumerate(series):
            out.append(f"<rect x='{x}' y='32' width='12' height='12' fill='{COLOURS[index]}'/>")
            out.append(f"<text x='{x + 16}' y='42'>{escape(name)}</text>")
            x += 20 + 7 * len(name)
    y = top
    for label, values in rows:
        lines = _wrap(label, 42)
        for index, line in enumerate(lines):
            offset = (per_row - gap) / 2 + 4 + (index - (len(lines) - 1) / 2) * 13
            out.append(
                f"<text x='{label_width - 8}' y='{y + offset:.1f}' text-anchor='end'>"
                f"<title>{escape(label)}</title>{escape(line)}</text>"
            )
        for index, value in enumerate(values):
            if value is None:
                continue
            length = max(Decimal(1), Decimal(value) * scale) if value > 0 else Decimal(0)
            by = y + index * bar_height
            out.append(
                f"<rect x='{label_width}' y='{by}' width='{length:.1f}' height='{bar_height - 3}' "
                f"fill='{COLOURS[index % len(COLOURS)]}'/>"
            )
            out.append(
                f"<text x='{label_width + float(length) + 4:.1f}' y='{by + bar_height - 5}'>"
                f"{escape(number_label(value, lang))}</text>"
            )
        y += per_row
    if reference is not None:
        x = label_width + float(Decimal(reference) * scale)
        out.append(f"<line x1='{x:.1f}' y1='{top - 4}' x2='{x:.1f}' y2='{y}' stroke='#888' stroke-dasharray='4 3'/>")
        out.append(
            f"<text x='{x:.1f}' y='{y + 14}' text-anchor='middle' fill='#555'>"
            f"{escape(number_label(reference, lang))}</text>"
        )
    if source:
        out.append(
            f"<text x='10' y='{height - 8}' font-size='11' fill='#444'>{escape(_wrap(source, 120, 1)[0])}</text>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n", width, height
