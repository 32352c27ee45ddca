"""Datasette plugin of the baocao site: language, read-only guard, security headers, bilingual metadata.

Datasette has no translations: the language is a cookie (`baocao_lang`), set by
any URL with `?_lang=en` or `?_lang=vi`, and held in a context variable for the
request, so that the metadata hook can answer in that language.
"""

from __future__ import annotations

import contextvars
import json
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

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


async def _send_simple(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *headers, *SECURITY_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            if scope["method"] not in ("GET", "HEAD"):
                return await _send_simple(
                    send, 405, b"405 Method Not Allowed: this site is read-only\n", [(b"allow", b"GET, HEAD")]
                )
            if scope["path"].startswith("//"):
                return await _send_simple(send, 404, b"404 Not Found\n", [])
            query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            chosen = [v for k, v in query if k == "_lang"]
            if chosen:
                lang = chosen[-1] if chosen[-1] in LANGUAGES else "vi"
                rest = urlencode([(k, v) for k, v in query if k != "_lang"])
                location = scope["path"] + (f"?{rest}" if rest else "")
                return await _send_simple(
                    send,
                    302,
                    b"",
                    [
                        (b"location", location.encode("latin-1")),
                        (b"set-cookie", f"{COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax".encode()),
                        (b"vary", b"Cookie"),
                    ],
                )
            token = LANG.set(_language(scope))

            async def send_with_headers(message):
                if message["type"] == "http.response.start":
                    names = {name.lower() for name, _ in message.get("headers", [])}
                    extra = [h for h in SECURITY_HEADERS if h[0] not in names]
                    message = {**message, "headers": [*message.get("headers", []), *extra, (b"vary", b"Cookie")]}
                await send(message)

            try:
                return await app(scope, receive, send_with_headers)
            finally:
                LANG.reset(token)

        return guarded

    return wrap


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
