"""Stage 8, serve: Datasette, read-only, on the database built by `baocao load`."""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
from pathlib import Path

from baocao.core import paths
from baocao.core.errors import BaocaoError
from baocao.site import PLUGINS, TEMPLATES

SETTINGS = {
    "sql_time_limit_ms": 1000,
    "max_returned_rows": 1000,
    "suggest_facets": "off",
    "allow_facet": "on",
    "default_page_size": 100,
    "max_csv_mb": 50,
    "num_sql_threads": 3,
}


SERVER = Path(__file__).with_name("server.py")


def datasette_command(
    db: Path, host: str, port: int, metadata_file: Path, *extra: str, launcher: tuple[str, ...] = ("-m", "datasette")
) -> list[str]:
    """`datasette serve` of an immutable database with its inspect file, the settings above and ``extra``;
    ``launcher``: what Python runs (Datasette itself, or server.py, the same command with bounded HTTP)."""
    command = [
        sys.executable,
        *launcher,
        "serve",
        "-i",
        str(db),
        "--inspect-file",
        str(db.with_name("inspect.json")),
        "--metadata",
        str(metadata_file),
        *extra,
        "--host",
        host,
        "--port",
        str(port),
    ]
    for name, value in SETTINGS.items():
        command += ["--setting", name, str(value)]
    return command


def serve_command(db: Path, host: str, port: int, site_dir: Path) -> list[str]:
    """The site: Datasette with baocao's metadata, templates, plugin and generated files, under the bounded
    HTTP server of server.py."""
    return datasette_command(
        db,
        host,
        port,
        site_dir / "datasette-metadata.json",
        "--template-dir",
        str(TEMPLATES),
        "--plugins-dir",
        str(PLUGINS),
        "--static",
        f"assets:{site_dir / 'assets'}",
        launcher=(str(SERVER),),
    )


def check_port_free(host: str, port: int) -> None:
    """Refuse, in one line, a port another program listens on (Datasette would say it serves, then exit)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise BaocaoError(f"cannot serve on {host}: {error.strerror}", host) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as error:
            reason = "in use by another program" if error.errno == errno.EADDRINUSE else error.strerror
            raise BaocaoError(
                f"cannot serve here: {reason}; choose another port with --port", f"{host}:{port}"
            ) from None


def serve(
    db: Path = paths.DATABASE, host: str = "127.0.0.1", port: int = 8001, site_dir: Path = paths.BUILD / "site"
) -> None:
    db = Path(db)
    if not db.exists():
        raise BaocaoError("no database; run `baocao build`, then `baocao load` and `baocao site`", db)
    if not db.with_name("inspect.json").exists():
        raise BaocaoError("no inspect file; run `baocao load` first", db.with_name("inspect.json"))
    if not (site_dir / "datasette-metadata.json").exists():
        raise BaocaoError("no site files; run `baocao site` first", site_dir)
    expected = json.loads((site_dir / "datasette-metadata.json").read_text(encoding="utf-8"))["databases"]
    if db.stem not in expected:
        # Datasette names a database after its file; the site's metadata is keyed by that name
        raise BaocaoError(
            f"the site serves a database named {sorted(expected)[0]!r}, so the file must be {sorted(expected)[0]}.db",
            db,
        )
    command = serve_command(db, host, port, site_dir)
    check_port_free(host, port)
    print(f"baocao: serving {db.name} read-only on http://{host}:{port}/", flush=True)
    os.execv(command[0], command)
