"""The pages baocao adds to Datasette: a figure, a report to read with its figures, search, the sitemap."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape as xml_escape

from markupsafe import Markup, escape

from .cells import tilde
from .lang import LANGUAGES, fold, localise

SNIPPET = 110  # characters of a section's text on each side of the first match


def _pick(row: dict, lang: str, vi: str, en: str) -> str:
    return (row.get(en) or row.get(vi) or "") if lang == "en" else (row.get(vi) or "")


def highlight(text: str, start: int, end: int) -> Markup:
    return Markup(f"{escape(text[:start])}<mark>{escape(text[start:end])}</mark>{escape(text[end:])}")


async def _rows(db, sql: str, params=None) -> list[dict]:
    result = await db.execute(sql, params or [])
    return [dict(row) for row in result.rows]


async def figure(datasette, database: str, request, site: dict, lang: str) -> dict | None:
    """What the page of one figure shows, beside its data row."""
    from datasette.utils import tilde_decode

    db = datasette.get_database(database)
    obs_id = tilde_decode(request.url_vars["pks"])
    rows = await _rows(
        db,
        """select o.*, i.name_vi, i.name_en, m.name_vi as measure_vi, m.name_en as measure_en,
                  u.name_vi as unit_vi, u.name_en as unit_en, st.name_vi as status_vi, st.name_en as status_en,
                  s.title as section_vi, s.title_en as section_en, s.number as section_number
           from observations o join indicators i using (indicator_id) join measures m on m.measure_id = o.measure
           join units u on u.unit_id = o.unit_id left join statuses st on st.status_id = o.obs_status
           left join sections s on s.section_id = o.section_id where o.obs_id = :id""",
        {"id": obs_id},
    )
    if not rows:
        return None
    obs = rows[0]
    at, end = obs["value_start"] - obs["quote_start"], obs["value_end"] - obs["quote_start"]
    checks = await _rows(
        db,
        "select * from checks where ' ' || observations || ' ' like :pattern order by status, check_id",
        {"pattern": f"% {obs_id} %"},
    )
    others = await _rows(
        db,
        """select o.obs_id, o.report_id, o.period_start, o.period_end, o.value, u.name_vi as unit_vi,
                  u.name_en as unit_en, r.province from observations o join units u using (unit_id)
           join reports r using (report_id)
           where o.indicator_id = :indicator and o.measure = :measure and o.report_id != :report
           order by o.period_end, o.report_id""",
        {"indicator": obs["indicator_id"], "measure": obs["measure"], "report": obs["report_id"]},
    )
    siblings = await _rows(
        db,
        """select o.obs_id, o.value, m.name_vi as measure_vi, m.name_en as measure_en, u.name_vi as unit_vi,
                  u.name_en as unit_en from observations o join measures m on m.measure_id = o.measure
           join units u using (unit_id)
           where o.indicator_id = :indicator and o.report_id = :report and o.obs_id != :id order by o.obs_id""",
        {"indicator": obs["indicator_id"], "report": obs["report_id"], "id": obs_id},
    )
    return {
        "obs": obs,
        "name": _pick(obs, lang, "name_vi", "name_en"),
        "measure": _pick(obs, lang, "measure_vi", "measure_en"),
        "unit": _pick(obs, lang, "unit_vi", "unit_en"),
        "status": _pick(obs, lang, "status_vi", "status_en"),
        "section": _pick(obs, lang, "section_vi", "section_en"),
        "quote": highlight(obs["quote"], at, end) if 0 <= at < end <= len(obs["quote"]) else obs["quote"],
        "read_href": f"/read/{obs['report_id']}#{obs['mention_id'] or ''}",
        "checks": [
            {
                **c,
                "description": _pick(c, lang, "description_vi", "description_en"),
                "href": f"/{database}/checks/{tilde(c['check_id'])}",
            }
            for c in checks
        ],
        "others": others,
        "siblings": siblings,
        "href": lambda obs_id: f"/{database}/observations/{tilde(obs_id)}",
    }


def _terms(query: str) -> list[str]:
    return re.findall(r"\w+", fold(query))[:12]


def snippet(text: str, terms: list[str]) -> Markup:
    """A piece of ``text`` around its first match, the matched words highlighted (diacritics ignored)."""
    folded = fold(text)
    if len(folded) != len(text):  # folding changed the length: positions cannot be carried back
        return Markup(escape(text[: 2 * SNIPPET])) + ("…" if len(text) > 2 * SNIPPET else "")
    phrase = " ".join(terms)
    spans, wholes = [], []
    for term in [phrase, *terms]:
        for match in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", folded):
            spans.append((match.start(), match.end()))
            if term is phrase:
                wholes.append(match.start())
    spans.sort(key=lambda span: (span[0], -span[1]))  # the whole phrase before its first word
    first = wholes[0] if wholes else spans[0][0] if spans else 0
    start = max(0, first - SNIPPET)
    start = (text.find(" ", start) + 1 or start) if start else 0
    end = min(len(text), first + SNIPPET)
    out, cursor = [], start
    for s, e in spans:
        if s < cursor or e > end:
            continue
        out.append(escape(text[cursor:s]))
        out.append(Markup(f"<mark>{escape(text[s:e])}</mark>"))
        cursor = e
    out.append(escape(text[cursor:end]))
    return Markup(("…" if start else "") + "".join(str(part) for part in out) + ("…" if end < len(text) else ""))


async def _ranked(db, table: str, key: str, terms: list[str], limit: int) -> list[tuple[dict, bool]]:
    """Rows of ``table`` matching every term, by bm25: those with the whole phrase first."""
    phrase = '"' + " ".join(terms) + '"'
    every = " ".join(f'"{t}"' for t in terms)
    found: list[tuple[dict, bool]] = []
    seen: set = set()
    for match, whole in ((phrase, True), (every, False)):
        rows = await _rows(
            db,
            f"""select t.*, bm25([{table}_fts]) as rank from [{table}_fts]
                join [{table}] t on t.rowid = [{table}_fts].rowid
                where [{table}_fts] match :match order by rank limit {limit}""",
            {"match": match},
        )
        for row in rows:
            if row[key] not in seen:
                seen.add(row[key])
                found.append((row, whole and len(terms) > 1))
        if len(terms) == 1:
            break
    return found[:limit]


_FIGURES = """select o.obs_id, o.indicator_id, o.mention_id, o.measure as measure_id, o.value, o.value_text, o.quote,
       i.name_vi, i.name_en, u.name_vi as unit_vi, u.name_en as unit_en, m.name_vi as measure_vi,
       m.name_en as measure_en
from observations o join indicators i using (indicator_id) join units u using (unit_id)
join measures m on m.measure_id = o.measure where o.{key} in ({marks}) order by o.obs_id"""


async def _figures(db, database: str, terms: list[str], lang: str, limit: int = 30) -> list[dict]:
    """Figures whose indicator is named by the words, then those whose sentence holds them; by relevance."""
    found: dict[str, dict] = {}
    for table, key in (("indicators", "indicator_id"), ("mentions", "mention_id")):
        ranked = [row[key] for row, _ in await _ranked(db, table, key, terms, limit)]
        if not ranked:
            continue
        order = {k: n for n, k in enumerate(ranked)}
        rows = await _rows(db, _FIGURES.format(key=key, marks=", ".join("?" for _ in ranked)), ranked)
        for row in sorted(rows, key=lambda r: order[r[key]]):
            found.setdefault(row["obs_id"], row)
    return [
        {
            **row,
            "name": _pick(row, lang, "name_vi", "name_en"),
            "measure": _pick(row, lang, "measure_vi", "measure_en"),
            "unit": _pick(row, lang, "unit_vi", "unit_en"),
            "href": f"/{database}/observations/{tilde(row['obs_id'])}",
        }
        for row in list(found.values())[:limit]
    ]


async def search(datasette, request, site: dict, lang: str):
    from datasette.utils.asgi import Response

    query = (request.args.get("q") or "")[:200]
    terms = _terms(query)
    database = site.get("landing", {}).get("database", "baocao")
    db = datasette.get_database(database)
    sections, figures = [], []
    if terms:
        for row, whole in await _ranked(db, "sections", "section_id", terms, 20):
            sections.append(
                {
                    "title": row["title"],
                    "title_en": row["title_en"],
                    "number": row["number"],
                    "href": f"/read/{row['report_id']}#{row['section_id']}",
                    "snippet": snippet(row["text"] or "", terms),
                    "whole": whole,
                }
            )
        figures = await _figures(db, database, terms, lang)
    context = {"q": query, "terms": terms, "sections": sections, "figures": figures}
    html = await datasette.render_template("baocao_search.html", context, request=request, view_name="search")
    return Response.html(html)


def _paragraphs(text: str, marks: list[tuple[int, int, str]], footnotes: list[tuple[int, str]]) -> Markup:
    """A section's text as paragraphs, figures and footnote markers in place (HTML)."""
    inserts = sorted([(s, e, html) for s, e, html in marks] + [(o, o, html) for o, html in footnotes])
    out, cursor = [], 0
    for start, end, html in inserts:
        if start < cursor:
            continue
        out.append(str(escape(text[cursor:start])))
        out.append(html.replace("{}", str(escape(text[start:end]))))
        cursor = end
    out.append(str(escape(text[cursor:])))
    joined = "".join(out)
    return Markup("".join(f"<p>{line}</p>" for line in joined.split("\n") if line.strip()))


async def reader(datasette, request, site: dict, lang: str):
    """A report section by section, every figure highlighted and linked to its page."""
    from datasette.utils.asgi import NotFound, Response

    database = site.get("landing", {}).get("database", "baocao")
    db = datasette.get_database(database)
    report_id = request.url_vars["report_id"]
    reports = await _rows(db, "select * from reports where report_id = ?", [report_id])
    if not reports:
        raise NotFound("no such report")
    sections = await _rows(db, "select * from sections where report_id = ? order by position", [report_id])
    mentions = await _rows(
        db,
        """select m.mention_id, m.section_id, m.value_start, m.value_end, o.obs_id, o.check_status,
                  i.name_vi, i.name_en from mentions m left join observations o on o.mention_id = m.mention_id
           left join indicators i on i.indicator_id = o.indicator_id where m.report_id = ?
           order by m.section_id, m.value_start, o.obs_id""",
        [report_id],
    )
    notes = await _rows(db, "select * from footnotes where report_id = ? order by number", [report_id])
    ui = site.get("ui") or {}
    contradiction = (ui.get("contradiction") or {}).get(lang, "")
    by_section: dict[str, list] = {}
    done: set = set()
    for m in mentions:
        if m["mention_id"] in done:
            continue
        done.add(m["mention_id"])
        ident = escape(m["mention_id"])
        if m["obs_id"]:
            failed = m["check_status"] == "fail"
            label = escape(_pick(m, lang, "name_vi", "name_en"))
            title = f"{label}" + (f" — {escape(contradiction)}" if failed else "")
            html = (
                f'<a id="{ident}" class="figure{" contradiction" if failed else ""}" title="{title}" '
                f'href="/{database}/observations/{tilde(m["obs_id"])}">{{}}</a>'
            )
        else:
            html = f'<span id="{ident}" class="number">{{}}</span>'
        by_section.setdefault(m["section_id"], []).append((m["value_start"], m["value_end"], html))
    markers: dict[str, list] = {}
    for note in notes:
        markers.setdefault(note["section_id"], []).append(
            (note["marker_offset"], f'<sup><a href="#fn-{note["number"]}">{note["number"]}</a></sup>')
        )
    body = [
        {
            **s,
            "heading": _pick(s, lang, "title", "title_en"),
            "html": _paragraphs(s["text"] or "", by_section.get(s["section_id"], []), markers.get(s["section_id"], [])),
            "depth": min(6, 1 + max(1, s["level"] or 0)),
        }
        for s in sections
        if s["kind"] != "footnote"
    ]
    context = {"report": reports[0], "sections": body, "footnotes": notes}
    html = await datasette.render_template("baocao_reader.html", context, request=request, view_name="reader")
    return Response.html(html)


def sitemap(site: dict, base: str) -> str:
    """Every page worth indexing in both languages, each with its alternates."""
    landing = site.get("landing", {})
    paths = ["/", "/search"]
    paths += [f"/read/{r['report_id']}" for r in landing.get("reports", [])]
    paths += [item["href"] for item in landing.get("resources", []) + landing.get("tables", [])]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append(
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">'
    )
    for path in paths:
        for lang in LANGUAGES:
            lines.append(f"<url><loc>{xml_escape(base + localise(path, lang))}</loc>")
            for other in LANGUAGES:
                href = xml_escape(base + localise(path, other))
                lines.append(f'<xhtml:link rel="alternate" hreflang="{other}" href="{href}"/>')
            lines.append("</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"
