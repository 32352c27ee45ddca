"""Soak test: 32 concurrent readers for 60 seconds against the served site on 127.0.0.1.

Passes with zero errors and flat memory (the server's resident memory at the end within
25% of what it was after the first 10 seconds). Results go to build/bench/soak.json.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import hammer  # noqa: E402
from run import PY, free_port, start  # noqa: E402

from baocao import paths  # noqa: E402

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


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(clients: int = 32, seconds: float = 60.0) -> int:
    port = free_port()
    command = [PY, "-m", "baocao", "serve", "--port", str(port)]
    process = start(command, f"http://127.0.0.1:{port}/-/versions.json")
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        began = time.monotonic()
        while not stop.wait(2.0):
            samples.append((time.monotonic() - began, rss_mib(process.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = hammer(f"http://127.0.0.1:{port}", PATHS, clients, max_requests=10**6, max_seconds=seconds)
    finally:
        stop.set()
        sampler.join()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    settled = [m for t, m in samples if t >= 10] or [m for _, m in samples]
    growth = (settled[-1] - settled[0]) / settled[0] if settled else 0.0
    summary = {
        "clients": clients,
        "seconds": round(result.seconds, 1),
        "requests": result.requests,
        "errors": result.errors,
        "rps": round(result.rps, 1),
        "p50_ms": round(result.p50, 1),
        "p99_ms": round(result.p99, 1),
        "rss_mib": [round(m, 1) for _, m in samples],
        "rss_growth_after_10s": round(growth, 3),
    }
    out = paths.BUILD / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary))
    ok = result.errors == 0 and growth < 0.25
    print(
        "soak: " + ("PASS" if ok else "FAIL") + f": {result.requests} requests, {result.errors} errors, "
        f"{result.rps:.0f}/s, p50 {result.p50:.1f} ms, p99 {result.p99:.1f} ms, memory "
        f"{settled[0] if settled else float('nan'):.0f} -> {settled[-1] if settled else float('nan'):.0f} MiB"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
