"""Datasette plugin of the baocao site: language, read-only guard, limits, security headers, bilingual metadata.

Datasette has no translations: the language is a cookie (`baocao_lang`), set by
any URL with `?_lang=en` or `?_lang=vi`, and held in a context variable for the
request, so that the metadata hook can answer in that language.

Every response, errors included, leaves through `asgi_wrapper`, which adds the
security headers; the limits that keep one client from holding the others
(request size, facets, arbitrary SQL at once, SQLite's own limits) are set here.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import re
import sqlite3
import sys
import threading
import time
from html import escape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlencode

from datasette import hookimpl

LANGUAGES = ("vi", "en")
COOKIE = "baocao_lang"
LANG: contextvars.ContextVar[str] = contextvars.ContextVar("baocao_lang", default="vi")
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

# SQLite's limits on every connection Datasette opens. The longest text of the
# database is a section (under 6 KB; the whole first report is 80 KB), so 500 KB
# refuses nothing real, and refuses a query that would build a string of hundreds
# of MB. It is also what bounds the one call the time limit cannot stop: instr()
# compares every position, 0.9 s at 500 KB but 3.4 s at 1 MB.
SQLITE_LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: 500_000,  # bytes of a string, blob or row
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 100_000,  # bytes of one statement
    sqlite3.SQLITE_LIMIT_COLUMN: 500,  # columns of a result, index, GROUP BY or ORDER BY
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 250,  # depth of an expression tree
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 50,  # terms of a UNION / INTERSECT / EXCEPT
    sqlite3.SQLITE_LIMIT_FUNCTION_ARG: 32,  # arguments of a function
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,  # ATTACH
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 1_000,  # bytes of a LIKE or GLOB pattern
    sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER: 1_000,  # parameters of one statement
    sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH: 10,
}
# printf('%.*c', 999999999, 'x') loops a billion times inside one call, where
# the time limit cannot stop it, even when the length limit refuses the result
PRINTF_REPEAT = re.compile(r"%[-+ #!,0-9.*l]*\.[-+ #!,0-9.*l]*c")
_builtin = threading.local()
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


def _language(scope) -> str:
    cookies = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                cookies.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header means no language cookie
                pass
    morsel = cookies.get(COOKIE)
    return morsel.value if morsel and morsel.value in LANGUAGES else "vi"


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


def _switch_location(raw_path: bytes, query_string: bytes) -> str:
    """This request's own URL without `_lang`, percent-encoded: only ever a path of this site."""
    kept = [part for part in query_string.split(b"&") if part and unquote_to_bytes(part.partition(b"=")[0]) != b"_lang"]
    query = quote(b"&".join(kept), safe=_QUERY_SAFE)
    return quote(raw_path, safe=_PATH_SAFE) + (f"?{query}" if query else "")


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
            chosen = [v for k, v in query if k == "_lang"]
            if chosen:
                lang = chosen[-1] if chosen[-1] in LANGUAGES else "vi"
                raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
                location = _switch_location(raw_path.partition(b"?")[0], scope.get("query_string") or b"")
                return await _send_simple(
                    send,
                    302,
                    b"",
                    [
                        (b"location", location.encode("ascii")),
                        (b"set-cookie", f"{COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax".encode()),
                        (b"vary", b"Cookie"),
                    ],
                )
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
            lang = _language(scope)
            landing = _landing_key(scope, lang)
            if landing and landing not in landing_pages and landing in landing_rendered:
                await landing_rendered[landing].wait()
            if landing in landing_pages:
                for message in landing_pages[landing]:
                    await send(message)
                return
            if landing:
                landing_rendered.setdefault(landing, asyncio.Event())
            token = LANG.set(lang)
            scope = _without_bad_cookies(scope)
            started = False
            sent: list[dict] = []

            async def send_with_headers(message):
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                    names = {name.lower() for name, _ in message.get("headers", [])}
                    extra = [h for h in SECURITY_HEADERS if h[0] not in names]
                    message = {**message, "headers": [*message.get("headers", []), *extra, (b"vary", b"Cookie")]}
                if landing:
                    sent.append(message)
                await send(message)

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


def _number(value) -> int:
    """What SQLite reads as a number in a printf argument, as a size (its leading digits for text)."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str):
        match = re.match(r"\s*[-+]?(\d+)", value)
        return int(match.group(1)) if match else 0
    return abs(int(value)) if isinstance(value, (int, float)) and value == value and abs(value) != float("inf") else 0


def _printf(fmt, *args):
    """SQLite's printf() and format(); a character repeated past the length limit is NULL at once.

    SQLite answers NULL for a result over the length limit too, but only after the loop.
    """
    text = fmt.decode("latin-1") if isinstance(fmt, bytes) else fmt
    limit = SQLITE_LIMITS[sqlite3.SQLITE_LIMIT_LENGTH]
    if (
        isinstance(text, str)
        and PRINTF_REPEAT.search(text)
        and any(n > limit for n in [*map(int, re.findall(r"\d+", text)), *map(_number, args)])
    ):
        return None
    if not hasattr(_builtin, "conn"):  # SQLite's own printf, on a connection of this thread with the same limits
        _builtin.conn = sqlite3.connect(":memory:")
        _limit(_builtin.conn)
    placeholders = ", ".join("?" * (1 + len(args)))
    return _builtin.conn.execute(f"select printf({placeholders})", (fmt, *args)).fetchone()[0]


def _limit(conn) -> None:
    for limit, value in SQLITE_LIMITS.items():
        conn.setlimit(limit, value)


@hookimpl
def prepare_connection(conn):
    _limit(conn)
    for name in ("printf", "format"):
        conn.create_function(name, -1, _printf, deterministic=True)


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
<html lang="{lang}"><head><meta charset="utf-8"><title>{status}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/baocao.css"></head>
<body><main><h1>{status}</h1><p>{message}</p><p><a href="/">{home}</a></p></main></body></html>
"""


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
        page = ERROR_PAGE.format(
            lang=lang,
            status=status,
            message=escape(message),
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


@hookimpl
def extra_template_vars(datasette, request):
    lang = LANG.get()
    site = _site(datasette)

    def t(vi: str, en: str) -> str:
        return en if lang == "en" else vi

    other = "vi" if lang == "en" else "en"
    query = [
        (k, v) for k, v in parse_qsl(request.query_string if request else "", keep_blank_values=True) if k != "_lang"
    ]
    switch = (request.path if request else "/") + "?" + urlencode([*query, ("_lang", other)])
    return {
        "baocao_lang": lang,
        "baocao": site.get("landing", {}),
        "t": t,
        "baocao_other_lang": other,
        "baocao_switch_url": switch,
    }


ROBOTS = """User-agent: *
Allow: /
Disallow: /*.db
Disallow: /*?sql=
Disallow: /*&_search=
"""


@hookimpl
def register_routes():
    from datasette.utils.asgi import Response

    async def robots():
        return Response.text(ROBOTS)

    return [(r"^/robots\.txt$", robots)]
