"""baocao benchmarks: each figure beside a baseline measured in the same run, on this machine.

    make bench            # everything, in well under 10 minutes on 2 cores
    python bench/run.py --quick   # N up to 100, shorter load tests

Load tests send requests to 127.0.0.1 only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import Result, hammer  # noqa: E402

from baocao.core import paths  # noqa: E402
from baocao.database.csvfiles import SQL_TYPES, convert_cell, read_package  # noqa: E402
from baocao.database.load import load_package  # noqa: E402
from baocao.evaluation.synthetic import make_corpus  # noqa: E402
from baocao.site.serve import datasette_command, serve_command  # noqa: E402

WORK = paths.BUILD / "bench"
SQL_NAMES = {str: "TEXT", int: "INTEGER", float: "REAL"}
PY = sys.executable


def say(text: str = "") -> None:
    print(text, flush=True)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = subprocess.run([PY, "-m", "pip", "list", "--format=json"], capture_output=True, text=True).stdout
    wanted = {"datasette", "frictionless", "sqlite-utils", "httpx"}
    packages = {p["name"]: p["version"] for p in json.loads(versions) if p["name"].lower() in wanted}
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory_gib": f"{memory:.0f}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        **packages,
    }


# -- build ------------------------------------------------------------------------------------------------


BUILD_SCRIPT = """
import json, resource, sys, time
from pathlib import Path
from baocao.core.metadata import Metadata
from baocao.package.pipeline import build_package
files = sorted(Path(sys.argv[1]).glob('*.txt'))
started = time.perf_counter()
def progress(done, total):
    if total >= 100 and (done % (total // 10) == 0 or done == total):
        print(f"  {done}/{total} reports", file=sys.stderr, flush=True)
build_package(files, Path(sys.argv[3]), Metadata(Path(sys.argv[2])), progress=progress)
seconds = time.perf_counter() - started
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": seconds, "peak_mib": peak / 1024}))
"""


# each client from an address of its own, as readers are: the site bounds the requests in progress per address
READERS = tuple(f"127.0.1.{i}" for i in range(1, 201))


def bench_build(sizes: list[int]) -> dict[int, dict]:
    say("== Build: N synthetic reports (the real one with its figures changed) -> data package")
    results = {}
    for n in sizes:
        corpus = WORK / f"corpus-{n}"
        files, metadata_dir = make_corpus(n, corpus)
        out = corpus / "datapackage"
        run = subprocess.run(
            [PY, "-c", BUILD_SCRIPT, str(corpus / "sources"), str(metadata_dir), str(out)],
            capture_output=True,
            text=True,
            check=True,
        )
        sys.stderr.write(run.stderr)
        result = json.loads(run.stdout)
        results[n] = result
    base = results[min(n for n in sizes if n >= 10) if any(n >= 10 for n in sizes) else sizes[0]]
    base_n = min(n for n in sizes if n >= 10) if any(n >= 10 for n in sizes) else sizes[0]
    say(f"{'N':>6} {'seconds':>9} {'ms/report':>10} {'vs N=' + str(base_n):>9} {'peak MiB':>9}")
    for n, r in results.items():
        per = r["seconds"] / n * 1000
        ratio = per / (base["seconds"] / base_n * 1000)
        say(f"{n:>6} {r['seconds']:>9.1f} {per:>10.1f} {ratio:>8.2f}x {r['peak_mib']:>9.0f}")
    return results


# -- SQLite load ------------------------------------------------------------------------------------------


def raw_executemany(package: Path, db: Path) -> tuple[float, int]:
    """The physical limit: the same typed rows, executemany in one transaction, no keys, indexes or search."""
    descriptor = read_package(package)
    prepared = []
    for res in descriptor["resources"]:
        if "sqlView" in res:
            continue
        fields = res["schema"]["fields"]
        with open(package / res["path"], encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            rows = [tuple(convert_cell(v, f["type"]) for v, f in zip(row, fields, strict=True)) for row in reader]
        prepared.append((res["name"], fields, rows))
    if db.exists():
        db.unlink()
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    for name, fields, _ in prepared:
        columns = ", ".join(f"[{f['name']}] {SQL_NAMES[SQL_TYPES[f['type']]]}" for f in fields)
        connection.execute(f"CREATE TABLE [{name}] ({columns})")
    started = time.perf_counter()
    count = 0
    with connection:
        for name, fields, rows in prepared:
            marks = ", ".join("?" for _ in fields)
            connection.executemany(f"INSERT INTO [{name}] VALUES ({marks})", rows)
            count += len(rows)
    seconds = time.perf_counter() - started
    connection.close()
    return seconds, count


def bench_load(package: Path) -> dict:
    say("\n== SQLite load of the largest package: baocao load against a raw sqlite3 executemany")
    db = WORK / "db" / "baocao.db"  # Datasette names the database after the file: the site expects "baocao"
    raw_seconds, rows = raw_executemany(package, WORK / "raw.db")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    load_package(package, db, timings=timings)
    total = time.perf_counter() - started
    parts = int(timings["processes"])  # the phases of the other processes are added up under "part …"
    raw_rate = rows / raw_seconds
    # rows per second of inserting, in whichever process inserted them
    insert_rate = timings["rows"] / (timings["insert"] + timings.get("part insert", 0.0))
    say(f"rows: {rows:,}")
    say(f"raw executemany, one transaction:    {raw_rate:>12,.0f} rows/s   (baseline)")
    say(f"baocao insert phase:                  {insert_rate:>12,.0f} rows/s   {insert_rate / raw_rate:.2f}x")
    say(
        f"baocao whole load (read CSV, keys, indexes, views, search, inspect; tables in {parts} processes): "
        f"{total:.1f} s, "
        f"{rows / total:,.0f} rows/s   {rows / total / raw_rate:.2f}x"
    )
    say("phases: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items() if not k.endswith(("rows", "processes"))))
    return {
        "rows": rows,
        "raw_rate": raw_rate,
        "insert_rate": insert_rate,
        "total_seconds": total,
        "timings": timings,
        "db": str(db),
    }


# -- validation -------------------------------------------------------------------------------------------


def bench_validate(package: Path) -> dict:
    say(f"\n== Validation of {package.parent.name}: baocao validate against frictionless validate (defaults)")
    started = time.perf_counter()
    subprocess.run([PY, "-m", "frictionless", "validate", str(package / "datapackage.json")], capture_output=True)
    plain = time.perf_counter() - started
    started = time.perf_counter()
    ours = subprocess.run([PY, "-m", "baocao", "validate", str(package)], capture_output=True, text=True)
    mine = time.perf_counter() - started
    say(f"frictionless validate: {plain:.1f} s (baseline)")
    say(f"baocao validate:       {mine:.1f} s   {mine / plain:.2f}x   ({ours.stdout.split(':')[0]})")
    return {"frictionless": plain, "baocao": mine}


# -- serving ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], url: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise RuntimeError(f"server did not start: {command}")


def _facet_ok(response) -> bool:
    facets = response.json().get("facet_results", {})
    facets = facets.get("results", facets)  # 0.65 keeps them under "results" in some shapes
    values = (facets.get("topic_id") or {}).get("results") or []
    return bool(values) and all(v.get("count") for v in values)


def _rows_ok(response) -> bool:
    data = response.json()
    return bool(data.get("rows"))


def _together(first, second):
    """Two rounds of one cell as one result: their requests over their seconds, all latencies."""
    if first is None:
        return second
    return Result(
        requests=first.requests + second.requests,
        errors=first.errors + second.errors,
        seconds=first.seconds + second.seconds,
        latencies=first.latencies + second.latencies,
        statuses=first.statuses + second.statuses,
        insecure=first.insecure + second.insecure,
    )


def bench_serving(db: Path, package: Path, site_dir: Path, clients: list[int], seconds: float, budget: int) -> dict:
    say(
        f"\n== Serving the database of the largest package: baocao site against bare `datasette -i` "
        f"({budget} requests or {seconds:.0f} s per cell, in two rounds)"
    )
    some_report = "report-0000"
    endpoints = {
        "table page": ("/baocao/observations", None),
        "filtered JSON": ("/baocao/observations.json?indicator_id=grdp&measure=value&_shape=objects", _rows_ok),
        "facet": (f"/baocao/observations.json?report_id={some_report}&_facet=topic_id&_size=0", _facet_ok),
        "search": ("/baocao/sections.json?_search=giai+ngan&_size=10", _rows_ok),
    }
    site_port, bare_port = free_port(), free_port()
    site_cmd = serve_command(db, "127.0.0.1", site_port, site_dir)
    # bare Datasette: no plugin, no templates, no titles; only the search tables named, as search needs them
    bare_meta = WORK / "bare-metadata.json"
    local = json.loads((site_dir / "datasette-metadata.json").read_text())
    bare_meta.write_text(
        json.dumps(
            {
                "databases": {
                    "baocao": {
                        "tables": {
                            name: {k: v for k, v in config.items() if k in ("fts_table", "fts_pk")}
                            for name, config in local["databases"]["baocao"]["tables"].items()
                            if "fts_table" in config
                        }
                    }
                }
            }
        )
    )
    # the same settings: what is compared is the plugin, the templates and the bilingual metadata
    bare_cmd = datasette_command(db, "127.0.0.1", bare_port, bare_meta)
    # Both servers run at once and are measured in turns, cell by cell, each cell in two rounds in
    # opposite orders: a drift of this shared machine during the run falls on both alike.
    results: dict = {}
    processes = {"bare": start(bare_cmd, f"http://127.0.0.1:{bare_port}/-/versions.json")}
    try:
        # the site's own work is measured: its limits per client address are off (`make soak` has them on)
        processes["baocao"] = start(site_cmd, f"http://127.0.0.1:{site_port}/-/health", {"BAOCAO_CLIENT_LIMITS": "off"})
        ports = {"bare": bare_port, "baocao": site_port}
        for name, (path, check) in endpoints.items():
            for port in ports.values():
                hammer(f"http://127.0.0.1:{port}", path, 2, 20, 5, check)  # warm up
            for n in clients:
                for order in (["bare", "baocao"], ["baocao", "bare"]):
                    for label in order:
                        result = hammer(
                            f"http://127.0.0.1:{ports[label]}",
                            path,
                            n,
                            budget // 2,
                            seconds / 2,
                            check,
                            addresses=READERS,
                        )
                        results[(label, name, n)] = _together(results.get((label, name, n)), result)
    finally:
        for process in processes.values():
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
    say(
        f"{'endpoint':<14} {'clients':>7} | {'bare rps':>9} {'p50 ms':>7} {'p99 ms':>7} | {'baocao rps':>10} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'errors':>6} | {'ratio':>6}"
    )
    rows = []
    for name in endpoints:
        for n in clients:
            bare, site = results[("bare", name, n)], results[("baocao", name, n)]
            ratio = site.rps / bare.rps if bare.rps else float("nan")
            say(
                f"{name:<14} {n:>7} | {bare.rps:>9.0f} {bare.p50:>7.1f} {bare.p99:>7.1f} | {site.rps:>10.0f} "
                f"{site.p50:>7.1f} {site.p99:>7.1f} {site.errors + bare.errors:>6} | {ratio:>5.2f}x"
            )
            rows.append(
                {
                    "endpoint": name,
                    "clients": n,
                    "bare_rps": bare.rps,
                    "bare_p50": bare.p50,
                    "bare_p99": bare.p99,
                    "site_rps": site.rps,
                    "site_p50": site.p50,
                    "site_p99": site.p99,
                    "errors": site.errors + bare.errors,
                    "bare_errors": bare.errors,
                    "site_errors": site.errors,
                }
            )
    return {"rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="N up to 100 and shorter load tests")
    args = parser.parse_args()
    sizes = [1, 10, 100] if args.quick else [1, 10, 100, 1000]
    started = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    info = machine()
    say("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    build = bench_build(sizes)
    largest = WORK / f"corpus-{sizes[-1]}" / "datapackage"
    load = bench_load(largest)
    validation = bench_validate(WORK / "corpus-100" / "datapackage")
    site_dir = WORK / "site"
    subprocess.run(
        [
            PY,
            "-m",
            "baocao",
            "--metadata",
            str(WORK / f"corpus-{sizes[-1]}" / "metadata"),
            "site",
            "--package",
            str(largest),
            "--out",
            str(site_dir),
            "--no-downloads",
        ],
        check=True,
        capture_output=True,
    )
    serving = bench_serving(
        Path(load["db"]), largest, site_dir, [1, 8, 16, 32], 2.0 if args.quick else 4.0, 300 if args.quick else 1500
    )
    results = {
        "machine": info,
        "build": build,
        "load": load,
        "validate": validation,
        "serving": serving,
        "seconds": time.perf_counter() - started,
    }
    (WORK / "results.json").write_text(json.dumps(results, indent=1, default=str))
    say(f"\nall benchmarks in {results['seconds']:.0f} s; results in {WORK / 'results.json'}")
    (WORK / "raw.db").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
