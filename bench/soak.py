"""Soak test: ordinary readers and an attacker at once, against the served site on 127.0.0.1.

32 readers (each from an address of its own), each reading a page about every second, round-robin over nine pages, for
60 seconds, while an attacker on 8 connections sends, without pause, slow SQL (as a
query and as a table's `_where`), strings of hundreds of MB, facet floods, redirects
to other hosts, bad sorts and 404s. Passes when the readers get no errors and a p99
under 1 s, no response of either lacks the security headers, the attacker never gets
a 5xx or no answer, and memory is flat (the server's resident memory at the end within
25% of what it was after the first 10 seconds). Results go to build/bench/soak.json.

    python bench/soak.py [--db build/baocao.db] [--site-dir build/site] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import Result, hammer  # noqa: E402
from run import PY, READERS, free_port, start  # noqa: E402

from baocao.core import paths  # noqa: E402

PATHS = [
    "/",
    "/baocao/observations",
    "/baocao/observations.json?indicator_id=grdp&_shape=objects",
    "/baocao/observations.json?topic_id=budget&_facet=measure",
    "/baocao/sections.json?_search=giai+ngan",
    "/baocao/grdp_by_sector",
    "/baocao/failed_checks.json",
    "/assets/charts/pct_of_plan.en.svg",
    "/baocao/mentions?_search=Cho+Don",
]

FOREVER = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


def _sql(query: str, path: str = "/baocao.json") -> str:
    return path + "?" + urllib.parse.urlencode({"sql": query})


ATTACKS = [
    _sql(FOREVER),
    "/baocao/mentions?" + urllib.parse.urlencode({"_where": f"({FOREVER}) > 0"}),
    _sql("select length(printf('%.*c', 999999999, 'x'))"),
    _sql("select hex(randomblob(499999999))", "/baocao"),
    "/baocao/mentions.json?" + "&".join(["_facet=quote"] * 500),
    "/baocao/mentions.json?" + "&".join(["_facet=quote"] * 6),
    "/baocao/mentions?_facet_array=quote&_facet_date=quote&" + "&".join(["_facet=quote"] * 4),
    "/baocao/sections.json?_search=" + "giai+ngan+" * 400,
    "/%5C127.0.0.1:8013/landed.html?_lang=en",
    "/ti%E1%BA%BFng?_lang=en",
    "/baocao/observations?_sort=nonexistent_column",
    "/.env",
    "/a.b.c",
    "/x/y/z/w/v/u",
    "/wp-login.php",
    "/baocao/nothing.json",
]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# a costly page: a big table with every column, as many rows as asked and five facets
COSTLY = "/baocao/statements?" + urllib.parse.urlencode(
    [("_cols", "all"), ("_size", "max")]
    + [("_facet", f) for f in ("measure", "unit_id", "resolution", "reason", "indicator_id")]
)


def flood(base: str, clients: int, seconds: float) -> Result:
    """Many connections from one address asking for the costly page without pause: answered, refused (429)
    or told the site is busy (503), never left without an answer."""
    os.nice(10)
    return hammer(
        base, COSTLY, clients, 10**6, seconds, expect=lambda status: status in (200, 429, 503), addresses=("127.0.0.3",)
    )


def slow_clients(base: str, count: int, seconds: float, out: dict) -> None:
    """``count`` connections that send a request's first line and then a header line every 2 s, never the end:
    how many the server closes."""
    import socket

    port = urllib.parse.urlsplit(base).port
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.4", 0))
        sock.connect(("127.0.0.1", port))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sock.setblocking(False)
        sockets.append(sock)
    closed = 0
    deadline = time.monotonic() + seconds
    while sockets and time.monotonic() < deadline:
        for sock in list(sockets):
            try:
                sock.sendall(b"X-Slow: 1\r\n")
                if sock.recv(1) == b"":
                    raise ConnectionError
            except BlockingIOError:
                continue
            except OSError:
                closed += 1
                sockets.remove(sock)
                sock.close()
        time.sleep(2)
    for sock in sockets:
        sock.close()
    out.update(opened=count, closed_by_server=closed)


def attack(base: str, clients: int, seconds: float) -> Result:
    """The attacker, in a process of its own at a lower priority: its client's work is not the server's.

    A real attacker's client runs on other machines; here it shares this machine's cores
    with the server and the readers' client, and would otherwise slow all of them alike.
    """
    os.nice(10)
    return hammer(base, ATTACKS, clients, 10**6, seconds, expect=lambda status: status < 500, addresses=("127.0.0.2",))


def summary(result: Result) -> dict:
    return {
        "requests": result.requests,
        "errors": result.errors,
        "without_security_headers": result.insecure,
        "rps": round(result.rps, 1),
        "p50_ms": round(result.p50, 1),
        "p99_ms": round(result.p99, 1),
        "statuses": {str(status): count for status, count in sorted(result.statuses.items())},
        "p99_ms_by_path": {
            path[:80]: round(Result(len(times), 0, 0, times).p99, 1) for path, times in result.by_path.items()
        },
    }


def main(
    db: Path = paths.DATABASE,
    site_dir: Path = paths.BUILD / "site",
    readers: int = 32,
    pause: float = 1.0,
    attackers: int = 8,
    seconds: float = 60.0,
    flooders: int = 200,
    slow_count: int = 200,
) -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [PY, "-m", "baocao", "serve", "--port", str(port), "--db", str(db), "--site-dir", str(site_dir)]
    process = start(command, f"{base}/-/health")
    samples: list[tuple[float, float]] = []
    stop = threading.Event()
    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) if attackers else None
    slow: dict = {}

    def sample() -> None:
        began = time.monotonic()
        while not stop.wait(2.0):
            samples.append((time.monotonic() - began, rss_mib(process.pid)))

    try:
        before = rss_mib(process.pid)
        attacker = pool.submit(attack, base, attackers, seconds) if pool else None
        flooder = pool.submit(flood, base, flooders, seconds) if pool and flooders else None
        slowing = threading.Thread(target=slow_clients, args=(base, slow_count, seconds, slow), daemon=True)
        if slow_count:
            slowing.start()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        read = hammer(base, PATHS, readers, max_requests=10**6, max_seconds=seconds, pause=pause, addresses=READERS)
        attacked = attacker.result(timeout=seconds + 60) if attacker else None
        flooded = flooder.result(timeout=seconds + 60) if flooder else None
        if slow_count:
            slowing.join(timeout=seconds + 10)
        after = rss_mib(process.pid)
    finally:
        stop.set()
        if pool:
            pool.shutdown(cancel_futures=True)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a server still busy with the attack
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    settled = [m for t, m in samples if t >= 10] or [m for _, m in samples]
    growth = (settled[-1] - settled[0]) / settled[0] if settled else 0.0
    report = {
        "readers": {"clients": readers, "pause_s": pause, **summary(read)},
        "attacker": {"clients": attackers, **summary(attacked)} if attacked else None,
        "flood": {"clients": flooders, **summary(flooded)} if flooded else None,
        "slow_clients": slow,
        "rss_mib_before_after": [round(before, 1), round(after, 1)],
        "seconds": round(read.seconds, 1),
        "rss_mib": [round(m, 1) for _, m in samples],
        "rss_growth_after_10s": round(growth, 3),
    }
    out = paths.BUILD / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report))
    insecure = read.insecure + (attacked.insecure if attacked else 0)
    ok = (
        read.errors == 0
        and read.p99 < 1000
        and insecure == 0
        and (attacked is None or attacked.errors == 0)
        and (flooded is None or flooded.errors == 0)
        and slow.get("closed_by_server", 0) == slow.get("opened", 0)
        and growth < 0.25
    )
    print(
        "soak: " + ("PASS" if ok else "FAIL") + f": readers {read.requests} requests, {read.errors} errors, "
        f"{read.rps:.0f}/s, p50 {read.p50:.1f} ms, p99 {read.p99:.1f} ms; "
        + (
            f"attacker {attacked.requests} requests, {attacked.errors} 5xx or unanswered, {attacked.rps:.0f}/s, "
            f"statuses {dict(sorted(attacked.statuses.items()))}; "
            if attacked
            else ""
        )
        + (
            f"flood {flooded.requests} requests, statuses {dict(sorted(flooded.statuses.items()))}, "
            f"{flooded.errors} unanswered; "
            if flooded
            else ""
        )
        + (f"slow clients {slow['closed_by_server']} of {slow['opened']} closed by the server; " if slow else "")
        + f"{insecure} responses without the security headers; memory before {before:.0f} MiB, after "
        f"{after:.0f} MiB, {settled[0] if settled else float('nan'):.0f} -> "
        f"{settled[-1] if settled else float('nan'):.0f} MiB after the first 10 s"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=paths.DATABASE)
    parser.add_argument("--site-dir", type=Path, default=paths.BUILD / "site")
    parser.add_argument("--readers", type=int, default=32)
    parser.add_argument("--pause", type=float, default=1.0, help="seconds each reader waits between pages")
    parser.add_argument("--attackers", type=int, default=8, help="attacker connections (0: none)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--flood", type=int, default=200, help="connections asking for a costly page (0: none)")
    parser.add_argument("--slow", type=int, default=200, help="connections that never finish a request (0: none)")
    args = parser.parse_args()
    assert 0 < args.seconds <= 600 and args.readers <= 256 and args.attackers <= 64, "a bounded soak"
    assert args.flood <= 400 and args.slow <= 400, "a bounded soak"
    sys.exit(
        main(args.db, args.site_dir, args.readers, args.pause, args.attackers, args.seconds, args.flood, args.slow)
    )
