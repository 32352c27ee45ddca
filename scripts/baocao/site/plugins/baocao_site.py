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
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from datasette import database as datasette_database
from datasette import hookimpl

sys.path.insert(0, str(Path(__file__).parent))

from baocao_web import cells, errors, gate, guard, limits, pages  # noqa: E402
from baocao_web.lang import LANG, LANGUAGES, TARGET, localise, mark_vietnamese, split_path, ui_strings  # noqa: E402
from baocao_web.limits import limit, printf  # noqa: E402

_cache: dict[str, dict] = {}


def _metadata_folder() -> Path:
    """The folder of the metadata file Datasette was started with (`--metadata FILE` or `-m FILE`), where the
    site's files are: the site can be moved, packaged or published without a path of the machine that built it."""
    arguments = sys.argv
    for index, argument in enumerate(arguments):
        if argument in ("--metadata", "-m") and index + 1 < len(arguments):
            return Path(arguments[index + 1]).parent
        if argument.startswith("--metadata="):
            return Path(argument.partition("=")[2]).parent
    return Path.cwd()


def _site(datasette) -> dict:
    # the local metadata file, read directly: plugin_config() would call get_metadata() again
    config = (getattr(datasette, "_metadata_local", None) or {}).get("plugins", {}).get("baocao-site") or {}
    path = config.get("site_file")
    if not path:
        return {}
    if path not in _cache:
        _cache[path] = json.loads((_metadata_folder() / path).read_text(encoding="utf-8"))
    return _cache[path]


def _log(line: str) -> None:
    sys.stderr.write(f"baocao: {line}\n")
    sys.stderr.flush()


class SqlLane:
    """Arbitrary SQL, one request at a time; after each, the lane rests as long as it ran (one may wait)."""

    def __init__(self):
        self.running = self.waiting = 0
        self.opens = 0.0  # time.monotonic()

    async def enter(self) -> bool:
        """False when the request must be refused (429)."""
        if self.running >= guard.MAX_SQL_AT_ONCE or self.waiting:
            return False
        if time.monotonic() < self.opens:
            self.waiting += 1
            try:
                await asyncio.sleep(self.opens - time.monotonic())
            finally:
                self.waiting -= 1
        self.running += 1
        self.began = time.monotonic()
        return True

    def leave(self) -> None:
        self.running -= 1
        self.opens = 2 * time.monotonic() - self.began


TOO_MANY = (
    429,
    b"429 Too Many Requests: another SQL query is running, try again in a moment\n",
    [(b"retry-after", str(guard.RETRY_AFTER_SECONDS).encode())],
)


async def _language_redirect(send, scope, query, lang: str) -> None:
    """An old link that chose the language by parameter: the page in that language, permanently."""
    chosen = [v for k, v in query if k == "_lang"]
    wanted = chosen[-1] if chosen[-1] in LANGUAGES else "vi"
    raw_path = (scope.get("raw_path") or scope["path"].encode("utf-8")).partition(b"?")[0]
    if lang == "en":
        raw_path = raw_path[len(b"/en") :] or b"/"
    location = guard.switch_location(raw_path, scope.get("query_string") or b"", wanted)
    await guard.send_simple(send, 301, b"", [(b"location", location.encode("ascii"))])


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        lane = SqlLane()
        door = gate.Gate()
        landing_pages: dict[tuple, list[dict]] = {}
        landing_rendered: dict[tuple, asyncio.Event] = {}  # the first request renders, the others wait for it

        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            refusal = guard.refusal(scope, query)
            if refusal:
                return await guard.send_simple(send, *refusal)
            if not gate.counted(scope["path"]):
                return await answer(scope, receive, send, query)
            client = gate.client_of(scope)
            refusal = await door.enter(client, gate.cost(query))
            if refusal:
                return await guard.send_simple(send, *refusal)
            try:
                return await answer(scope, receive, send, query)
            finally:
                await door.leave(client)

        async def answer(scope, receive, send, query):
            lang, path = split_path(scope["path"])
            if any(k == "_lang" for k, _ in query):
                return await _language_redirect(send, scope, query, lang)
            arbitrary_sql = any(key in guard.ARBITRARY_SQL for key, _ in query)
            if arbitrary_sql and not await lane.enter():
                return await guard.send_simple(send, *TOO_MANY)
            token = LANG.set(lang)
            site = _site(datasette)
            scope = guard.own_host(
                guard.without_bad_cookies(guard.in_language(scope, lang, path, site)), _base_url(site)
            )
            landing = guard.landing_key(scope, lang)
            try:
                if landing and landing not in landing_pages and landing in landing_rendered:
                    await landing_rendered[landing].wait()
                if landing in landing_pages:
                    for message in landing_pages[landing]:
                        await send(message)
                    return
                if landing:
                    landing_rendered.setdefault(landing, asyncio.Event())
                sent: list[dict] = []
                page = guard.EnglishPage(send, lang, sent if landing else None)
                try:
                    await app(scope, receive, page)
                    if landing and guard.complete_and_shareable(sent):
                        landing_pages[landing] = sent
                except Exception as exception:  # anything Datasette did not answer: a plain 500, with the headers
                    _log(f"500 {scope['method']} {scope['path']!r}: {type(exception).__name__}: {exception}")
                    if not page.started:
                        await guard.send_simple(send, 500, b"500 Internal Server Error\n", [])
            finally:
                if arbitrary_sql:
                    lane.leave()
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
    limits.install(conn)
    # a function that stops a query says so in the query's error; its traceback would be one per call in the log
    sqlite3.enable_callback_tracebacks(False)


# the functions installed above stop a query past its time limit: they are told when it ends
datasette_database.sqlite_timelimit = limits.timed(datasette_database.sqlite_timelimit)


@hookimpl(wrapper=True)
def handle_exception(datasette, request, exception):
    """Errors answered cheaply, in one line of log at most, instead of Datasette's default handler.

    The default handler renders a template and, when `rich` is installed (frictionless
    brings it), prints a traceback with every local variable: 0.2 s and 18 KB of log per
    404. This wrapper replaces the answer of every handler, so none of them runs.
    """
    yield  # the other handlers' answers (functions not yet called) are dropped
    status, message = errors.error_status(datasette, exception)
    if status >= 500:
        _log(f"{status} {request.method} {request.path!r}: {type(exception).__name__}: {exception}")
    return [errors.response(request, status, message, LANG.get(), _site(datasette))]


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
    """The dicts Datasette writes into: the database's, each table's (merged with the local metadata)
    and each canned query's (it adds the name); column descriptions are only read."""
    tables = db.get("tables", {})
    if only_table is not None:
        tables = {only_table: tables[only_table]} if only_table in tables else {}
    return {
        **db,
        "tables": {name: dict(entry) for name, entry in tables.items()},
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


def _base_url(site: dict) -> str:
    """The site's public address, metadata/interface.yaml's base_url; empty when it is not set, and then
    the pages link by path ("/en/…"). Never the request's Host header: a page may be kept and shown to
    every later visitor, and the header is the client's to write."""
    return (site.get("base_url") or "").rstrip("/")


def _absolute_base(site: dict, request) -> str:
    """An address for what must be absolute (the sitemap): the base_url, else the address this server
    answered on: the Host that guard.own_host wrote from its own socket, never the client's."""
    return _base_url(site) or f"{request.scheme}://{request.host}"


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
    base = _base_url(site)
    alternates = {other: base + localise(target["path"], other) + suffix for other in LANGUAGES}
    other = "vi" if lang == "en" else "en"

    def tx(text: str) -> str:
        """Text of the site's metadata: in English, the Vietnamese words it quotes marked lang="vi"."""
        return mark_vietnamese(text) if lang == "en" else text

    def t(vi: str, en: str) -> str:
        return tx(en) if lang == "en" else vi

    def num(value, places=None) -> str:
        return cells.number(value, lang, places)

    columns = ((site.get("columns") or {}).get(lang) or {}).get(table or "", {})
    variables = {
        "baocao_lang": lang,
        "baocao": site.get("landing", {}),
        "t": t,
        "tx": tx,
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
        return Response.text(ROBOTS + f"Sitemap: {_absolute_base(site, request)}/sitemap.xml\n")

    async def sitemap(datasette, request):
        return Response(
            pages.sitemap(_site(datasette), _absolute_base(_site(datasette), request)),
            content_type="application/xml; charset=utf-8",
        )

    async def search(datasette, request):
        return await pages.search(datasette, request, _site(datasette), LANG.get())

    async def reader(datasette, request):
        return await pages.reader(datasette, request, _site(datasette), LANG.get())

    async def health(datasette, request):
        return Response.text("ok\n")

    return [
        (r"^/-/health$", health),
        (r"^/robots\.txt$", robots),
        (r"^/sitemap\.xml$", sitemap),
        (r"^/search$", search),
        (r"^/read/(?P<report_id>[A-Za-z0-9_.-]+)$", reader),
    ]
