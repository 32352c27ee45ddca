"""The served site under attack: each attack found against `baocao serve`, through a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import sys
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest

from conftest import build_site_files, start_server, wait_until_served

SECURITY = ("content-security-policy", "x-content-type-options", "referrer-policy")


# The site keeps a budget of work per client address; each test here comes from an address of its own
# (any 127.x.y.z is this machine), as its requests would from one reader, so that one test's attack does
# not spend the next one's budget.
ADDRESS = ["127.0.0.1"]


@pytest.fixture(autouse=True)
def own_address(request):
    ADDRESS[0] = f"127.0.{2 + own_address.count // 250}.{1 + own_address.count % 250}"
    own_address.count += 1
    yield ADDRESS[0]


own_address.count = 0


@pytest.fixture(scope="module")
def server(built, tmp_path_factory):
    """`baocao serve` of the real database; yields (base URL, server pid, log file)."""
    folder = tmp_path_factory.mktemp("attack")
    db, site_dir = build_site_files(built, folder)
    log_path = folder / "serve.log"
    with open(log_path, "w") as log:
        process, base = start_server(db, site_dir, log, client_limits=True)
        try:
            wait_until_served(base + "/-/health", process)
            yield base, process.pid, log_path
        finally:
            process.terminate()
            process.wait(timeout=10)


def raw_get(base: str, target: bytes, headers: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """GET of a request target sent exactly as given (http.client would refuse or rewrite some)."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    assert host == "127.0.0.1"
    with socket.create_connection((host, port), timeout=10, source_address=(ADDRESS[0], 0)) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + b"\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parsed = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), parsed, body


def secure(headers) -> bool:
    names = {name.lower() for name in headers}
    return all(name in names for name in SECURITY)


def get(base: str, path: str, **kwargs) -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=ADDRESS[0])
    with httpx.Client(base_url=base, timeout=30, trust_env=False, transport=transport) as client:
        response = client.get(path, **kwargs)
    assert secure(response.headers), (path, response.status_code, dict(response.headers))
    return response


def from_address(base: str, address: str, connections: int = 64) -> httpx.AsyncClient:
    """A client whose connections come from ``address`` (any 127.x.y.z is this machine): the site counts
    the requests in progress per client address."""
    transport = httpx.AsyncHTTPTransport(
        local_address=address, limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    )
    return httpx.AsyncClient(base_url=base, timeout=60, trust_env=False, transport=transport)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# 1. The language switch redirects only to a path of this site


def stays_on_site(location: str) -> bool:
    """Whether a browser following ``location`` from this site stays on it."""
    joined = urllib.parse.urlsplit(urllib.parse.urljoin("http://127.0.0.1:8001/a/b", location))
    return (
        location.startswith("/")
        and not location.startswith("//")
        and "\\" not in location
        and not any(ord(c) <= 0x20 or ord(c) >= 0x7F for c in location)  # browsers drop tabs and newlines
        and joined.netloc == "127.0.0.1:8001"
    )


@pytest.mark.parametrize(
    "target",
    [
        b"/%5C127.0.0.1:8013/landed.html?_lang=en",
        b"/%09/host/landed.html?_lang=en",
        b"/%5C%5Chost?_lang=en",
        b"//host/x?_lang=en",
        b"/%2F%2Fhost/x?_lang=en",
        b"/%2F/host?_lang=en",
        b"/\\host/x?_lang=en",
        b"/\\host/",
        b"/%5Chost/",
        b"/%0D%0ASet-Cookie:%20a=b?_lang=en",
        b"/%E2%80%AE/host?_lang=vi",
        b"http://example.com/?_lang=en",
        b"http://example.com/",
        b"/baocao/observations?_lang=en&next=//host",
    ],
)
def test_no_redirect_leaves_the_site(server, target):
    base, _, _ = server
    status, headers, _ = raw_get(base, target)
    assert secure(headers), (target, status)
    if 300 <= status < 400:
        assert stays_on_site(headers["location"]), (target, headers["location"])


def test_an_old_language_parameter_on_a_vietnamese_path(server):
    base, _, _ = server
    status, headers, _ = raw_get(base, b"/ti%E1%BA%BFng?_lang=en")
    assert status == 301 and secure(headers)
    assert headers["location"] == "/en/ti%E1%BA%BFng" and "set-cookie" not in headers
    # the query keeps its Vietnamese words, still percent-encoded, and loses only `_lang`
    status, headers, _ = raw_get(base, b"/baocao/sections?_search=gi%E1%BA%A3i+ng%C3%A2n&_lang=en&_lang=vi")
    assert status == 301 and headers["location"] == "/baocao/sections?_search=gi%E1%BA%A3i+ng%C3%A2n"


# 2. SQLite's limits bound a single call, in time and in memory


def sql(base: str, query: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = get(base, "/baocao.json?" + urllib.parse.urlencode({"sql": query, "_shape": "array"}))
    return response, time.perf_counter() - started


def test_huge_strings_fail_fast_and_memory_stays_low(server):
    base, pid, _ = server
    response, seconds = sql(base, "select length(printf('%.*c', 999999999, 'x')) as n")
    # SQLite's answer for a result over the length limit (NULL), at once instead of after 6 s
    assert response.status_code == 200 and response.json() == [{"n": None}] and seconds < 1
    for query in ("select hex(randomblob(499999999))", "select zeroblob(600000)", "select length(zeroblob(600000))"):
        response, seconds = sql(base, query)
        assert response.status_code == 400 and "too big" in response.json()["error"] and seconds < 1, query
    assert rss_peak_mib(pid) < 400
    started = time.perf_counter()
    assert get(base, "/baocao/observations").status_code == 200
    assert time.perf_counter() - started < 1


LONG_CALLS = (
    "with recursive c(x) as (select 1 union all select x + 1 from c limit 300) "
    "select sum(instr(printf('%.*c', 400000, 'a'), printf('%.*c', 200000 + x, 'a') || 'b')) as n, "
    "sum(length(replace(printf('%.*c', 400000 + x, 'a'), printf('%.*c', 1000, 'a') || 'b', 'x'))) as m from c"
)


def test_calls_on_long_strings_cannot_outlive_the_time_limit(server):
    base, _, _ = server
    response, seconds = sql(base, LONG_CALLS)
    assert response.status_code in (200, 400) and seconds < 3, (response.status_code, seconds)
    # the same functions, on the texts, answer as SQLite's own
    response, _ = sql(
        base,
        "select instr('Bắc Kạn', 'Kạn') as i, replace('a-b-c', '-', '+') as r, trim('xxaxx', 'x') as t, "
        "ltrim('  a') as l, rtrim('a..', '.') as rt, instr(x'0102', x'02') as b",
    )
    assert response.json() == [{"i": 5, "r": "a+b+c", "t": "a", "l": "a", "rt": "a", "b": 2}]


def test_fts3_tokenizer_is_not_callable(server):
    base, _, _ = server
    for query in ("select fts3_tokenizer('simple')", "select fts3_tokenizer('x', x'00')"):
        response, _ = sql(base, query)
        assert response.status_code == 400, query


def test_real_texts_pass_the_length_limit(server):
    base, _, _ = server
    response, _ = sql(base, "select length(printf('%.*c', 400000, 'x')) as n, length(zeroblob(400000)) as z")
    assert response.json() == [{"n": 400000, "z": 400000}]
    response, _ = sql(base, "select text from sections order by length(text) desc limit 1")
    assert response.status_code == 200 and len(response.json()[0]["text"]) > 1000


@pytest.mark.parametrize(
    "query, error",
    [
        (" union all ".join(["select 1"] * 60), "too many terms in compound SELECT"),
        ("select max(" + ",".join(["1"] * 40) + ")", "too many arguments"),
        ("select " + " + ".join(["1"] * 300), "Expression tree is too large"),
        ("select 'a' like '" + "%a" * 600 + "'", "LIKE or GLOB pattern too complex"),
    ],
)
def test_sqlite_limits_refuse(server, query, error):
    base, _, _ = server
    response, seconds = sql(base, query)
    assert response.status_code == 400 and error in response.json()["error"] and seconds < 1


# 3. Facets and the length of the request


def test_facet_flood_is_refused(server):
    base, _, _ = server
    started = time.perf_counter()
    response = get(base, "/baocao/mentions.json?" + "&".join(["_facet=quote"] * 500))
    assert response.status_code == 414 and time.perf_counter() - started < 1 and len(response.content) < 200
    response = get(base, "/baocao/mentions.json?" + "&".join(["_facet=quote"] * 6))
    assert response.status_code == 400 and "5 facets" in response.text
    response = get(base, "/baocao/mentions.json?_facet_array=quote&_facet_date=quote&" + "&".join(["_facet=a"] * 4))
    assert response.status_code == 400
    response = get(base, "/baocao/mentions.json?_facet=unit_id&_facet=obs_status&_facet_size=3")
    assert response.status_code == 200 and len(response.json()["facet_results"]) == 2


def test_long_request_targets_are_refused(server):
    base, _, _ = server
    assert get(base, "/baocao/sections?_search=" + "a" * 5000).status_code == 414
    assert get(base, "/baocao/sections?_search=" + "giai+ngan" * 10).status_code == 200


# 4. Errors: cheap, logged in one line, always with the security headers


@pytest.mark.parametrize(
    "target, statuses",
    [
        (b"/.env", {404}),
        (b"/a.b.c", {404}),
        (b"/x/y/z/w/v/u", {404}),
        (b"/static/../../etc/passwd", {404}),
        (b"/-/static/../../../../etc/passwd", {404}),
        (b"http://example.com/", {400}),
        (b"http://example.com/baocao/observations", {400}),
        (b"/baocao/observations?_sort=nonexistent_column", {400}),
        (b"/baocao/observations.json?_sort_desc=nonexistent_column", {400}),
        (b"/baocao/observations?_sort=value&_sort_desc=value", {400}),
        (b"/baocao/nonexistent_table", {404}),
        (b"/baocao/observations/999999999", {404}),
        (b"/nonexistent_db.json", {404}),
    ],
)
def test_errors_carry_the_security_headers(server, target, statuses):
    base, _, _ = server
    status, headers, body = raw_get(base, target)
    assert status in statuses and secure(headers), (target, status, headers)
    assert b"Traceback" not in body


@pytest.mark.parametrize("path", [b"/", b"/baocao/observations", b"/baocao/observations.json"])
def test_a_cookie_that_is_not_utf8(server, path):
    base, _, _ = server
    status, headers, _ = raw_get(base, path, b"Cookie: baocao_lang=en; a=\xff\xfe\r\n")
    assert status == 200 and secure(headers)
    status, headers, body = raw_get(base, b"/en/", b"Cookie: baocao_lang=vi; a=\xe9\r\n")
    assert status == 200 and b'<html lang="en">' in body


def test_errors_are_cheap_and_logged_in_one_line(server):
    base, _, log_path = server

    async def timings(path, n):
        async with httpx.AsyncClient(base_url=base, timeout=30, trust_env=False) as client:
            out = []
            for _ in range(n):
                started = time.perf_counter()
                response = await client.get(path)
                out.append(time.perf_counter() - started)
                assert secure(response.headers)
            return sorted(out)[n // 2]

    before = log_path.stat().st_size
    missing = asyncio.run(timings("/nothing/here.json", 20))
    page = asyncio.run(timings("/baocao/observations", 20))
    assert missing < max(page, 0.02), (missing, page)  # a 404 costs no more than a page
    added = log_path.read_bytes()[before:].decode("utf-8", "replace")
    assert "Traceback" not in added and "locals" not in added and "╭" not in added
    assert len(added) < 40 * 300  # the access log's line per request, nothing more


def test_concurrent_404s_do_not_hold_a_page(server):
    base, _, _ = server

    async def run():
        async with from_address(base, "127.0.0.2") as attacker, from_address(base, ADDRESS[0]) as reader:
            flood = [asyncio.create_task(attacker.get(f"/missing-{i}.html")) for i in range(30)]
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            page = await reader.get("/baocao/observations")
            seconds = time.perf_counter() - started
            missing = await asyncio.gather(*flood)
            return page, seconds, missing

    page, seconds, missing = asyncio.run(run())
    assert page.status_code == 200 and seconds < 1
    assert 404 in {r.status_code for r in missing} and {r.status_code for r in missing} <= {404, 429}
    assert all(secure(r.headers) for r in missing)


def test_an_exception_in_the_app_still_gets_the_headers():
    """The wrapper itself: whatever the app raises before answering becomes a plain 500 with the headers."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "baocao" / "site" / "plugins"))
    import baocao_site

    async def broken(scope, receive, send):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"", "headers": []}
    asyncio.run(baocao_site.asgi_wrapper(datasette=None)(broken)(scope, None, send))
    assert sent[0]["status"] == 500 and secure(name.decode() for name, _ in sent[0]["headers"])


# 5. Slow SQL does not hold the other clients


SLOW = "/baocao.json?" + urllib.parse.urlencode(
    {"sql": "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"}
)
SLOW_WHERE = "/baocao/mentions.json?" + urllib.parse.urlencode(
    {"_where": "(with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c) > 0"}
)


@pytest.mark.parametrize("clients", [6, 30])
def test_slow_queries_do_not_hold_the_pages(server, clients):
    base, _, _ = server

    async def run():
        async with from_address(base, "127.0.0.3") as attacker, from_address(base, ADDRESS[0]) as client:
            slow = [asyncio.create_task(attacker.get(SLOW if i % 2 else SLOW_WHERE)) for i in range(clients)]
            await asyncio.sleep(0.2)
            times = []
            for path in ("/baocao/observations", "/baocao/observations.json?topic_id=budget", "/"):
                started = time.perf_counter()
                assert (await client.get(path)).status_code == 200
                times.append(time.perf_counter() - started)
            return times, await asyncio.gather(*slow)

    times, slow = asyncio.run(run())
    assert max(times) < 1, times
    assert {r.status_code for r in slow} <= {400, 429} and all(secure(r.headers) for r in slow)
    refused = [r for r in slow if r.status_code == 429]
    assert refused and all(r.headers["retry-after"].isdigit() for r in refused)
    # once they are done, SQL is answered again
    assert get(base, "/baocao.json?sql=select+1").status_code == 200


def test_the_landing_page_rendered_once_keeps_its_language_and_headers(server):
    base, _, _ = server
    for lang in ("en", "vi", "en", "vi"):
        response = get(base, "/en/" if lang == "en" else "/")
        assert response.status_code == 200 and f'<html lang="{lang}">' in response.text
    assert '<html lang="vi">' in get(base, "/").text


# 6. A flood of costly pages, slow clients and a forged Host: the readers beside them are served


COSTLY = "/baocao/statements?" + urllib.parse.urlencode(
    [("_cols", "all"), ("_size", "1000")]
    + [("_facet", f) for f in ("measure", "unit_id", "resolution", "reason", "indicator_id")]
)


def test_a_flood_of_costly_pages_leaves_a_paced_reader_served_and_memory_bounded(server):
    base, pid, _ = server
    before = rss_mib(pid)

    async def run():
        async with from_address(base, "127.0.0.4", 200) as attacker, from_address(base, ADDRESS[0]) as reader:
            stop = time.monotonic() + 8

            async def attack():
                answers = []
                while time.monotonic() < stop:
                    answers.append((await attacker.get(COSTLY)).status_code)
                return answers

            flood = [asyncio.create_task(attack()) for _ in range(200)]
            await asyncio.sleep(0.5)
            times, peak = [], 0.0
            while time.monotonic() < stop:
                started = time.perf_counter()
                assert (await reader.get("/baocao/observations")).status_code == 200
                times.append(time.perf_counter() - started)
                peak = max(peak, rss_mib(pid))
                await asyncio.sleep(0.25)
            return times, peak, [code for answers in await asyncio.gather(*flood) for code in answers]

    times, peak, codes = asyncio.run(run())
    times.sort()
    assert times[int(0.95 * (len(times) - 1))] < 1, times
    assert set(codes) <= {200, 429, 503} and 429 in codes, set(codes)
    assert peak - before < 300, (before, peak)


def test_slow_clients_are_closed_and_do_not_hold_the_site(server):
    base, _, log_path = server
    port = urllib.parse.urlsplit(base).port
    slow = []
    for _ in range(200):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finished
        slow.append(sock)
    try:
        started = time.perf_counter()
        assert get(base, "/baocao/observations").status_code == 200
        assert time.perf_counter() - started < 1
        deadline = time.monotonic() + 20  # the server's deadline for headers is 10 s
        open_ones = list(slow)
        while open_ones and time.monotonic() < deadline:
            for sock in list(open_ones):
                sock.setblocking(False)
                try:
                    sock.sendall(b"X:1\r\n")  # a byte now and then does not keep a connection open
                    if sock.recv(1) == b"":
                        open_ones.remove(sock)
                except BlockingIOError:
                    pass
                except OSError:
                    open_ones.remove(sock)
            time.sleep(0.5)
        assert not open_ones, f"{len(open_ones)} slow connections still open"
    finally:
        for sock in slow:
            sock.close()
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log
    assert log.count("connection(s) closed") <= 3


def test_a_forged_host_reaches_no_later_visitor(server):
    base, _, _ = server
    port = urllib.parse.urlsplit(base).port
    for path in (b"/", b"/en/", b"/robots.txt", b"/sitemap.xml"):
        with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(ADDRESS[0], 0)) as sock:
            sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
            while sock.recv(65536):
                pass
    for path in ("/", "/en/", "/robots.txt", "/sitemap.xml"):
        assert "evil.example" not in get(base, path).text, path


@pytest.mark.parametrize(
    "target",
    [
        "/baocao/observations?_timelimit=abc",
        "/baocao/observations.json?_ttl=-1",
        "/baocao/observations?_through=abc",
        "/baocao/observations.json?_through=%7B%7D",
    ],
)
def test_a_malformed_datasette_parameter_is_a_400(server, target):
    base, _, _ = server
    response = get(base, target)
    assert response.status_code == 400 and secure(response.headers), target
