"""A bounded HTTP load generator for 127.0.0.1: N concurrent clients, a request budget and a time budget."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    statuses: Counter = field(default_factory=Counter)  # status code of each answer; 0 for no answer
    insecure: int = 0  # answers without the security headers
    by_path: dict[str, list[float]] = field(default_factory=dict)  # latencies of each path

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        return self.percentile(99)


async def _run(
    base: str,
    path: str | list[str],
    clients: int,
    max_requests: int,
    max_seconds: float,
    check=None,
    pause: float = 0.0,
    expect=None,
    addresses: tuple[str, ...] = ("127.0.0.1",),
) -> Result:
    """``clients`` concurrent clients over ``path`` in turn, each waiting ``pause`` seconds between requests.

    A request is an error when it gets no answer, when ``expect(status)`` is false (by
    default: a status other than 200) or when ``check(response)`` is false. The clients
    connect from ``addresses`` in turn (any 127.x.y.z is this machine): the site counts
    the requests in progress per address, as it would per reader.
    """
    paths = [path] if isinstance(path, str) else path
    assert base.startswith(("http://127.", "http://localhost")), "load tests target this machine only"
    latencies: list[float] = []
    statuses: Counter = Counter()
    by_path: dict[str, list[float]] = {}
    errors = insecure = sent = 0
    deadline = time.perf_counter() + max_seconds
    assert all(a.startswith("127.") for a in addresses), "load tests come from this machine only"
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    expect = expect or (lambda status: status == 200)
    # trust_env=False: a proxy from the environment must never see (or slow) traffic meant for this machine
    pool = [
        httpx.AsyncClient(
            base_url=base,
            timeout=30,
            trust_env=False,
            transport=httpx.AsyncHTTPTransport(local_address=address, limits=limits),
        )
        for address in addresses
    ]
    try:

        async def worker(number: int):
            nonlocal errors, insecure, sent
            client = pool[number % len(pool)]
            if pause:  # paced clients start spread over one pause
                await asyncio.sleep(pause * number / clients)
            while sent < max_requests and time.perf_counter() < deadline:
                target = paths[sent % len(paths)]
                sent += 1
                started = time.perf_counter()
                try:
                    response = await client.get(target)
                    statuses[response.status_code] += 1
                    insecure += not all(name in response.headers for name in SECURITY_HEADERS)
                    ok = expect(response.status_code) and (check is None or check(response))
                except httpx.HTTPError:
                    statuses[0] += 1
                    ok = False
                latencies.append(time.perf_counter() - started)
                by_path.setdefault(target, []).append(latencies[-1])
                if not ok:
                    errors += 1
                if pause:
                    await asyncio.sleep(max(0.0, min(pause, deadline - time.perf_counter())))

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        elapsed = time.perf_counter() - started
    finally:
        for client in pool:
            await client.aclose()
    return Result(len(latencies), errors, elapsed, latencies, statuses, insecure, by_path)


def hammer(
    base: str,
    path: str | list[str],
    clients: int,
    max_requests: int = 2000,
    max_seconds: float = 5.0,
    check=None,
    pause: float = 0.0,
    expect=None,
    addresses: tuple[str, ...] = ("127.0.0.1",),
) -> Result:
    return asyncio.run(_run(base, path, clients, max_requests, max_seconds, check, pause, expect, addresses))
