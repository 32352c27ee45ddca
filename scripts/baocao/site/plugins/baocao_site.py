"""Datasette plugin of the baocao site: language, read-only guard, limits, security headers, bilingual pages.

Each language has its own URLs: Vietnamese at /..., English at /en/... (see
baocao_web.lang); the language is held in a context variable for the request, so
that the metadata, cells and templates answer in it.

Every response, errors included, leaves through `asgi_wrapper`, which adds the
security headers; the limits that keep one client from holding the others
(request size, facets, arbitrary SQL at once, SQLite's own limits) are set here.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import sys
import time
from html import escape
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlencode

from datasette import hookimpl

sys.path.insert(0, str(Path(__file__).parent))

from baocao_web import cells, pages  # noqa: E402
from baocao_web.lang import LANG, LANGUAGES, TARGET, fold, localise, rewrite_html, split_path, ui_strings  # noqa: E402
from baocao_web.limits import limit, printf  # noqa: E402

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]

# Limits of one request: the request target (path and query, as sent), the facets
# it asks for, and how many requests with arbitrary SQL (`sql=`, `_where=`) run at
# once: the others are answered 429 at once, so that page views keep the SQL threads.
# After each such request the lane rests as long as the request took, so that
# arbitrary SQL holds a core at most half of the time (a query of 5 ms, for 5 ms;
# one stopped by the time limit, for a second); one request may wait for it.
MAX_TARGET_BYTES = 4096
MAX_FACETS = 5
MAX_SQL_AT_ONCE = 1
RETRY_AFTER_SECONDS = 1
ARBITRARY_SQL = ("sql", "_where")

_cache: dict[str, dict] = {}


def _site(datasette) -> dict:
    # the local metadata file, read directly: plugin_config() would call get_metadata() again
    config = (getattr(datasette, "_metadata_local", None) or {}).get("plugins", {}).get("baocao-site") or {}
    path = config.get("site_file")
    if not path:
        return {}
    if path not in _cache:
        _cache[path] = json.loads(Path(path).read_text(encoding="utf-8"))
    return _cache[path]


def _log(line: str) -> None:
    sys.stderr.write(f"baocao: {line}\n")
    sys.stderr.flush()


async def _send_simple(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *headers, *SECURITY_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _unsafe_path(path: str) -> bool:
    """A path that is not plainly one of this site's: a browser could read it as another host or scheme."""
    return (
        not path.startswith("/")
        or path.startswith(("//", "/\\"))
        or "\\" in path
        or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in path)
    )


# what may stay as it is in a Location: the path and query characters of RFC 3986, and escapes
_PATH_SAFE = "/%:@!$&'()*+,;=~-._"
_QUERY_SAFE = _PATH_SAFE + "?"


def _switch_location(raw_path: bytes, query_string: bytes, lang: str) -> str:
    """This request's URL in ``lang``, without `_lang`, percent-encoded: only ever a path of this site."""
    kept = [part for part in query_string.split(b"&") if part and unquote_to_bytes(part.partition(b"=")[0]) != b"_lang"]
    query = quote(b"&".join(kept), safe=_QUERY_SAFE)
    return localise(quote(raw_path, safe=_PATH_SAFE), lang) + (f"?{query}" if query else "")


def _refusal(scope, query: list[tuple[str, str]]) -> tuple[int, bytes, list[tuple[bytes, bytes]]] | None:
    """Why this request is answered before Datasette sees it, if it is: (status, body, headers)."""
    if scope["method"] not in ("GET", "HEAD"):
        return 405, b"405 Method Not Allowed: this site is read-only\n", [(b"allow", b"GET, HEAD")]
    if len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") > MAX_TARGET_BYTES:
        return 414, f"414 URI Too Long: at most {MAX_TARGET_BYTES} bytes\n".encode(), []
    if not scope["path"].startswith("/"):
        return 400, b"400 Bad Request: the request target must be a path\n", []
    if _unsafe_path(scope["path"]):
        return 404, b"404 Not Found\n", []
    if sum(1 for key, _ in query if key.startswith("_facet") and key != "_facet_size") > MAX_FACETS:
        return 400, f"400 Bad Request: at most {MAX_FACETS} facets\n".encode(), []
    return None


def _without_bad_cookies(scope):
    """The scope without cookie headers that are not UTF-8, which Datasette cannot read."""
    headers = scope.get("headers") or []
    kept = []
    for name, value in headers:
        if name == b"cookie":
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                continue
        kept.append((name, value))
    return scope if len(kept) == len(headers) else {**scope, "headers": kept}


def _landing_key(scope, lang: str) -> tuple | None:
    """The landing page's key in the cache of rendered pages, when this request is for it.

    The database is immutable and the landing page's data are files generated before
    serving, so the page depends only on the language and on whether the request has a
    cookie or credentials (Datasette then marks it private). Rendered once, it costs
    nothing again: Datasette builds it from a hundred small queries.
    """
    if scope["method"] != "GET" or scope["path"] != "/" or scope.get("query_string"):
        return None
    names = {name for name, _ in scope.get("headers", [])}
    return lang, b"cookie" in names, b"authorization" in names


def _complete_and_shareable(messages: list[dict]) -> bool:
    """A 200 response sent whole, setting no cookie."""
    return (
        bool(messages)
        and messages[0]["type"] == "http.response.start"
        and messages[0]["status"] == 200
        and not any(name.lower() == b"set-cookie" for name, _ in messages[0].get("headers", []))
        and messages[-1]["type"] == "http.response.body"
        and not messages[-1].get("more_body", False)
    )


def _in_language(scope, lang: str, path: str, site: dict):
    """The scope Datasette sees: the path without the language prefix, search words folded as
    the index holds them, and a big table's main columns unless the reader asks for all."""
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    if lang == "en":
        raw_path = raw_path[len(b"/en") :] or b"/"
    query_string = scope.get("query_string") or b""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    changed = False
    if any(key.startswith("_search") for key, _ in pairs):
        decoded = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
        pairs = [(k, fold(v) if k.startswith("_search") else v) for k, v in decoded]
        changed = True
    parts = path.strip("/").split("/")
    defaults = (site.get("cells") or {}).get("default_columns", {})
    defaulted = (
        len(parts) == 2 and parts[1] in defaults and not any(key in ("_col", "_nocol", "_cols") for key, _ in pairs)
    )
    if defaulted:
        pairs = pairs + [("_col", column) for column in defaults[parts[1]]]
        changed = True
    TARGET.set({"path": path, "query": scope.get("query_string") or b"", "defaulted": defaulted})
    if changed:
        query_string = urlencode(pairs).encode("ascii")
    cells.VIEW.set("row" if len(parts) == 3 and "." not in parts[2] else "table")
    return {**scope, "path": path, "raw_path": raw_path, "query_string": query_string}


def _localised_start(message: dict, lang: str) -> dict:
    """A response's start, with the security headers and, in English, its redirect made English."""
    headers = []
    for name, value in message.get("headers", []):
        if lang == "en" and name.lower() == b"location":
            value = localise(value.decode("latin-1"), lang).encode("latin-1")
        if lang == "en" and name.lower() == b"content-length":
            continue  # the body is rewritten; the length is set again when it is sent whole
        headers.append((name, value))
    names = {name.lower() for name, _ in headers}
    headers += [h for h in SECURITY_HEADERS if h[0] not in names]
    return {**message, "headers": headers}


def _is_html(message: dict) -> bool:
    return any(
        name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in message.get("headers", [])
    )


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        running_sql = waiting_sql = 0
        sql_lane_opens = 0.0  # time.monotonic()
        landing_pages: dict[tuple, list[dict]] = {}
        landing_rendered: dict[tuple, asyncio.Event] = {}  # the first request renders, the others wait for it

        async def guarded(scope, receive, send):
            nonlocal running_sql, waiting_sql, sql_lane_opens
            if scope["type"] != "http":
                return await app(scope, receive, send)
            query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            refusal = _refusal(scope, query)
            if refusal:
                return await _send_simple(send, *refusal)
            lang, path = split_path(scope["path"])
            chosen = [v for k, v in query if k == "_lang"]
            if chosen:  # an old link that chose the language by parameter: the page in that language
                wanted = chosen[-1] if chosen[-1] in LANGUAGES else "vi"
                raw_path = (scope.get("raw_path") or scope["path"].encode("utf-8")).partition(b"?")[0]
                if lang == "en":
                    raw_path = raw_path[len(b"/en") :] or b"/"
                location = _switch_location(raw_path, scope.get("query_string") or b"", wanted)
                return await _send_simple(send, 301, b"", [(b"location", location.encode("ascii"))])
            arbitrary_sql = any(key in ARBITRARY_SQL for key, _ in query)
            if arbitrary_sql:
                if running_sql >= MAX_SQL_AT_ONCE or waiting_sql:
                    return await _send_simple(
                        send,
                        429,
                        b"429 Too Many Requests: another SQL query is running, try again in a moment\n",
                        [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())],
                    )
                if time.monotonic() < sql_lane_opens:
                    waiting_sql += 1
                    try:
                        await asyncio.sleep(sql_lane_opens - time.monotonic())
                    finally:
                        waiting_sql -= 1
            token = LANG.set(lang)
            scope = _without_bad_cookies(_in_language(scope, lang, path, _site(datasette)))
            landing = _landing_key(scope, lang)
            if landing and landing not in landing_pages and landing in landing_rendered:
                await landing_rendered[landing].wait()
            if landing in landing_pages:
                for message in landing_pages[landing]:
                    await send(message)
                LANG.reset(token)
                return
            if landing:
                landing_rendered.setdefault(landing, asyncio.Event())
            started = False
            sent: list[dict] = []
            held: dict = {}  # an English HTML page: its start and body, held until it is whole

            async def send_on(message):
                if landing:
                    sent.append(message)
                await send(message)

            async def send_with_headers(message):
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                    message = _localised_start(message, lang)
                    if lang == "en" and _is_html(message):
                        held["start"], held["body"] = message, []
                        return
                    return await send_on(message)
                if "start" not in held:
                    return await send_on(message)
                held["body"].append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = rewrite_html(b"".join(held["body"]))
                start = held.pop("start")
                start = {**start, "headers": [*start["headers"], (b"content-length", str(len(body)).encode())]}
                await send_on(start)
                await send_on({"type": "http.response.body", "body": body})

            if arbitrary_sql:
                running_sql += 1
                began = time.monotonic()
            try:
                await app(scope, receive, send_with_headers)
                if landing and _complete_and_shareable(sent):
                    landing_pages[landing] = sent
            except Exception as exception:  # anything Datasette did not answer: a plain 500, with the headers
                _log(f"500 {scope['method']} {scope['path']!r}: {type(exception).__name__}: {exception}")
                if not started:
                    await _send_simple(send, 500, b"500 Internal Server Error\n", [])
            finally:
                if arbitrary_sql:
                    running_sql -= 1
                    sql_lane_opens = 2 * time.monotonic() - began
                if landing and (rendered := landing_rendered.pop(landing, None)):
                    rendered.set()
                LANG.reset(token)

        return guarded

    return wrap


@hookimpl
def prepare_connection(conn):
    limit(conn)
    for name in ("printf", "format"):
        conn.create_function(name, -1, printf, deterministic=True)


def _error_status(datasette, exception) -> tuple[int, str]:
    """The status and message of an error that reached Datasette's error handler."""
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    if isinstance(exception, Base400):
        return exception.status, str(exception.args[0] if exception.args else "")
    if isinstance(exception, DatasetteError):
        message = exception.message
        if exception.title == "SQL Interrupted":
            message = f"SQL query took too long: the limit is {datasette.setting('sql_time_limit_ms')} ms"
        elif exception.message_is_html:
            message = exception.title or "Error"
        if exception.status == 500 and message.startswith(("Cannot sort", "Cannot use _sort", "Invalid _through")):
            return 400, message  # bad parameters, which Datasette reports as its own error
        return exception.status, message
    if isinstance(exception, sqlite3.DatabaseError):
        return 400, f"SQL refused: {exception}"  # e.g. a string or blob over the length limit
    return 500, "Internal Server Error"


ERROR_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{status} {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/baocao.css"></head>
<body><main id="main"><h1>{status} {title}</h1><p{detail_lang}>{message}</p>
<p><a href="{home_href}">{home}</a></p></main></body></html>
"""
ERROR_TITLES = {
    "vi": {400: "Yêu cầu không hợp lệ", 403: "Không được phép", 404: "Không tìm thấy trang", 500: "Lỗi máy chủ"},
    "en": {400: "Bad request", 403: "Forbidden", 404: "Page not found", 500: "Server error"},
}


@hookimpl(wrapper=True)
def handle_exception(datasette, request, exception):
    """Errors answered cheaply, in one line of log at most, instead of Datasette's default handler.

    The default handler renders a template and, when `rich` is installed (frictionless
    brings it), prints a traceback with every local variable: 0.2 s and 18 KB of log per
    404. This wrapper replaces the answer of every handler, so none of them runs.
    """
    yield  # the other handlers' answers (functions not yet called) are dropped
    from datasette.utils.asgi import Response

    status, message = _error_status(datasette, exception)
    if status >= 500:
        _log(f"{status} {request.method} {request.path!r}: {type(exception).__name__}: {exception}")
    if request.path.endswith(".json"):
        response = Response.json({"ok": False, "error": message, "status": status, "title": None}, status=status)
    else:
        lang = LANG.get()
        titles = ERROR_TITLES[lang]
        page = ERROR_PAGE.format(
            lang=lang,
            status=status,
            title=titles.get(status, titles[500 if status >= 500 else 400]),
            detail_lang="" if lang == "en" else ' lang="en"',  # Datasette's own message is English
            message=escape(message),
            home_href=localise("/", lang),
            home="Back to the home page" if lang == "en" else "Về trang chủ",
        )
        response = Response.html(page, status=status)
    return [response]


TOP_LEVEL = {
    "title",
    "description",
    "description_html",
    "license",
    "license_url",
    "source",
    "source_url",
    "about",
    "about_url",
}


def _copy_database(db: dict, only_table: str | None = None) -> dict:
    tables = db.get("tables", {})
    if only_table is not None:
        tables = {only_table: tables[only_table]} if only_table in tables else {}
    return {
        **db,
        "tables": {name: {**entry, "columns": dict(entry.get("columns", {}))} for name, entry in tables.items()},
        "queries": {name: dict(query) for name, query in db.get("queries", {}).items()},
    }


@hookimpl
def get_metadata(datasette, key, database, table):
    """Titles, descriptions and canned queries in the reader's language.

    Datasette asks for metadata many times per request, merges what it gets and may
    change it: answer with a fresh copy, and only of the table asked about when there is one.
    """
    full = (_site(datasette).get("metadata") or {}).get(LANG.get(), {})
    if not full:
        return {}
    top = {k: v for k, v in full.items() if k != "databases"}
    if key in TOP_LEVEL:
        return top
    if key == "tables":
        # asked only by the permission checks, which deep-copy it: we set no permissions
        return {}
    databases = full.get("databases", {})
    if database is not None and table is not None and database in databases:
        return {**top, "databases": {database: _copy_database(databases[database], table)}}
    return {**top, "databases": {name: _copy_database(db) for name, db in databases.items()}}


def _base_url(site: dict, request) -> str:
    """The site's public address: metadata/interface.yaml's base_url, or the host the request names."""
    configured = (site.get("base_url") or "").rstrip("/")
    if configured:
        return configured
    if request is None:
        return ""
    host = request.host if re.fullmatch(r"[A-Za-z0-9.\-]+(:[0-9]+)?|\[[0-9A-Fa-f:.]+\](:[0-9]+)?", request.host) else ""
    scheme = "https" if request.scheme == "https" else "http"
    return f"{scheme}://{host}" if host else ""


@hookimpl
def extra_template_vars(datasette, request, view_name, table, database):
    lang = LANG.get()
    site = _site(datasette)
    ui = ui_strings(site, lang)
    target = TARGET.get() or {"path": request.path if request else "/", "query": b"", "defaulted": False}
    query = [
        (k, v)
        for k, v in parse_qsl(target["query"].decode("utf-8", "replace"), keep_blank_values=True)
        if k not in ("_lang", "_cols")
    ]
    suffix = ("?" + urlencode(query)) if query else ""
    base = _base_url(site, request)
    alternates = {other: base + localise(target["path"], other) + suffix for other in LANGUAGES}
    other = "vi" if lang == "en" else "en"

    def t(vi: str, en: str) -> str:
        return en if lang == "en" else vi

    def num(value, places=None) -> str:
        return cells.number(value, lang, places)

    columns = ((site.get("columns") or {}).get(lang) or {}).get(table or "", {})
    variables = {
        "baocao_lang": lang,
        "baocao": site.get("landing", {}),
        "t": t,
        "ui": ui,
        "num": num,
        "baocao_other_lang": other,
        "baocao_switch_url": alternates[other],
        "baocao_alternates": alternates,
        "baocao_columns": columns,
        "baocao_defaulted": target.get("defaulted", False),
        "baocao_all_columns_url": target["path"] + "?" + urlencode([*query, ("_cols", "all")]),
        "baocao_main_columns_url": target["path"] + suffix,
        "baocao_column_count": len(columns),
        "baocao_table_titles": {
            name: entry.get("title")
            for db in ((site.get("metadata") or {}).get(lang, {}).get("databases") or {}).values()
            for name, entry in db.get("tables", {}).items()
        },
        "baocao_base": base,
    }
    if view_name == "row" and table == "observations" and database:

        async def with_figure():
            figure = await pages.figure(datasette, database, request, site, lang)
            return {**variables, "baocao_figure": figure}

        return with_figure
    return variables


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    return cells.render(_site(datasette), row, value, column, table, database)


ROBOTS = """User-agent: *
Allow: /
Disallow: /*.db
Disallow: /*?sql=
Disallow: /*&_search=
"""


@hookimpl
def register_routes():
    from datasette.utils.asgi import Response

    async def robots(datasette, request):
        site = _site(datasette)
        return Response.text(ROBOTS + f"Sitemap: {_base_url(site, request)}/sitemap.xml\n")

    async def sitemap(datasette, request):
        return Response(
            pages.sitemap(_site(datasette), _base_url(_site(datasette), request)),
            content_type="application/xml; charset=utf-8",
        )

    async def search(datasette, request):
        return await pages.search(datasette, request, _site(datasette), LANG.get())

    async def reader(datasette, request):
        return await pages.reader(datasette, request, _site(datasette), LANG.get())

    return [
        (r"^/robots\.txt$", robots),
        (r"^/sitemap\.xml$", sitemap),
        (r"^/search$", search),
        (r"^/read/(?P<report_id>[A-Za-z0-9_.-]+)$", reader),
    ]
