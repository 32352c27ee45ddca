"""A bounded HTTP load generator for 127.0.0.1: N concurrent clients, a request budget and a time budget."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

import httpx


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

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
    base: str, path: str | list[str], clients: int, max_requests: int, max_seconds: float, check=None
) -> Result:
    paths = [path] if isinstance(path, str) else path
    assert base.startswith(("http://127.", "http://localhost")), "load tests target this machine only"
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.perf_counter() + max_seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    # trust_env=False: a proxy from the environment must never see (or slow) traffic meant for this machine
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30, trust_env=False) as client:

        async def worker():
            nonlocal errors, sent
            while sent < max_requests and time.perf_counter() < deadline:
                target = paths[sent % len(paths)]
                sent += 1
                started = time.perf_counter()
                try:
                    response = await client.get(target)
                    ok = response.status_code == 200 and (check is None or check(response))
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                if not ok:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return Result(len(latencies), errors, elapsed, latencies)


def hammer(
    base: str, path: str, clients: int, max_requests: int = 2000, max_seconds: float = 5.0, check=None
) -> Result:
    return asyncio.run(_run(base, path, clients, max_requests, max_seconds, check))
