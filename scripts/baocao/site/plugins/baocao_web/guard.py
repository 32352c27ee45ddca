"""What the site refuses before Datasette sees a request, and how a request and its answer are shaped:
the language prefix, folded search words, a big table's main columns, the security headers."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlencode, urlsplit

from . import cells
from .lang import TARGET, fold, localise, rewrite_html

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
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
# rows of an HTML table page (`_size=max` or more is brought down to it; JSON and CSV keep Datasette's limit)
HTML_ROWS = 100


async def send_simple(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *headers, *SECURITY_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


def unsafe_path(path: str) -> bool:
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


def switch_location(raw_path: bytes, query_string: bytes, lang: str) -> str:
    """This request's URL in ``lang``, without `_lang`, percent-encoded: only ever a path of this site."""
    kept = [part for part in query_string.split(b"&") if part and unquote_to_bytes(part.partition(b"=")[0]) != b"_lang"]
    query = quote(b"&".join(kept), safe=_QUERY_SAFE)
    return localise(quote(raw_path, safe=_PATH_SAFE), lang) + (f"?{query}" if query else "")


def refusal(scope, query: list[tuple[str, str]]) -> tuple[int, bytes, list[tuple[bytes, bytes]]] | None:
    """Why this request is answered before Datasette sees it, if it is: (status, body, headers)."""
    if scope["method"] not in ("GET", "HEAD"):
        return 405, b"405 Method Not Allowed: this site is read-only\n", [(b"allow", b"GET, HEAD")]
    if len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") > MAX_TARGET_BYTES:
        return 414, f"414 URI Too Long: at most {MAX_TARGET_BYTES} bytes\n".encode(), []
    if not scope["path"].startswith("/"):
        return 400, b"400 Bad Request: the request target must be a path\n", []
    if unsafe_path(scope["path"]) or _HIDDEN.match(scope["path"]):
        return 404, b"404 Not Found\n", []
    if sum(1 for key, _ in query if key.startswith("_facet") and key != "_facet_size") > MAX_FACETS:
        return 400, f"400 Bad Request: at most {MAX_FACETS} facets\n".encode(), []
    for key, value in query:
        if key in _WHOLE_NUMBERS and not value.isdigit():
            return 400, f"400 Bad Request: {key} must be a whole number\n".encode(), []
        if key == "_through" and not _through(value):
            return 400, b'400 Bad Request: _through must be {"table": ..., "column": ..., "value": ...}\n', []
    return None


# Datasette's pages about the server itself: the machine's paths (databases, metadata) and exact versions
_HIDDEN = re.compile(r"^(?:/en)?/-/(?:versions|databases|metadata|threads|plugins|actor)(?:\.json)?/?$")
# Datasette's parameters that it reads as numbers or JSON without a check of its own (a 500 otherwise)
_WHOLE_NUMBERS = ("_timelimit", "_ttl")


def _through(value: str) -> bool:
    try:
        through = json.loads(value)
    except ValueError:
        return False
    return isinstance(through, dict) and all(
        isinstance(through.get(k), (str, int)) for k in ("table", "column", "value")
    )


def _small(size: str) -> bool:
    return size.isdigit() and int(size) <= HTML_ROWS


def own_host(scope, base_url: str):
    """The scope with the Host header Datasette builds absolute links from (its JSON alternate, its
    redirects) set to the site's own address: base_url's, else the socket's. The client's Host is the
    client's to write, and a page built from it may be kept and shown to every later visitor."""
    if base_url:
        host = urlsplit(base_url).netloc
    else:
        server = scope.get("server") or ("127.0.0.1", 8001)
        address = f"[{server[0]}]" if ":" in str(server[0]) else str(server[0])
        host = f"{address}:{server[1]}" if server[1] is not None else address
    headers = [(name, value) for name, value in scope.get("headers") or [] if name != b"host"]
    return {**scope, "headers": [(b"host", host.encode("ascii", "replace")), *headers]}


def without_bad_cookies(scope):
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


def landing_key(scope, lang: str) -> tuple | None:
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


def complete_and_shareable(messages: list[dict]) -> bool:
    """A 200 response sent whole, setting no cookie."""
    return (
        bool(messages)
        and messages[0]["type"] == "http.response.start"
        and messages[0]["status"] == 200
        and not any(name.lower() == b"set-cookie" for name, _ in messages[0].get("headers", []))
        and messages[-1]["type"] == "http.response.body"
        and not messages[-1].get("more_body", False)
    )


def in_language(scope, lang: str, path: str, site: dict):
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
    if len(parts) == 2 and "." not in parts[1] and any(k == "_size" and not _small(v) for k, v in pairs):
        # an HTML page of a table renders every cell through templates: at most HTML_ROWS rows a page
        pairs = [(k, str(HTML_ROWS) if k == "_size" and not _small(v) else v) for k, v in pairs]
        changed = True
    TARGET.set({"path": path, "query": scope.get("query_string") or b"", "defaulted": defaulted})
    if changed:
        query_string = urlencode(pairs).encode("ascii")
    cells.VIEW.set("row" if len(parts) == 3 and "." not in parts[2] else "table")
    return {**scope, "path": path, "raw_path": raw_path, "query_string": query_string}


def localised_start(message: dict, lang: str) -> dict:
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


def is_html(message: dict) -> bool:
    return any(
        name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in message.get("headers", [])
    )


class EnglishPage:
    """Sends an answer on, its English HTML held until whole and its links made English."""

    def __init__(self, send, lang: str, keep: list | None):
        self.send, self.lang, self.keep = send, lang, keep
        self.started = False
        self.start: dict | None = None
        self.body: list[bytes] = []

    async def _out(self, message: dict) -> None:
        if self.keep is not None:
            self.keep.append(message)
        await self.send(message)

    async def __call__(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            message = localised_start(message, self.lang)
            if self.lang == "en" and is_html(message):
                self.start = message
                return
            return await self._out(message)
        if self.start is None:
            return await self._out(message)
        self.body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = rewrite_html(b"".join(self.body))
        start, self.start = self.start, None
        await self._out({**start, "headers": [*start["headers"], (b"content-length", str(len(body)).encode())]})
        await self._out({"type": "http.response.body", "body": body})
