"""The baocao command line: one click group, thin commands over the library."""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import click

from baocao import __version__, paths
from baocao.errors import BaocaoError


class Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BaocaoError as error:
            click.echo(f"baocao: error: {error}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="baocao")
def cli() -> None:
    """Turn Vietnamese government reports into bilingual open data.

    \b
    Example:
        baocao build && baocao validate && baocao load && baocao serve
    """


@cli.command()
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A report text file; repeat for several. Default: every *.txt under sources/.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=paths.DATAPACKAGE,
    show_default=True,
    help="Folder to write the data package to (replaced whole, atomically).",
)
def build(sources: tuple[Path, ...], out: Path) -> None:
    """Build the data package from report text(s).

    \b
    Example:
        baocao build
        baocao build --source sources/bac-kan-2024-h1.txt --out /tmp/pkg
    """
    from baocao.metadata import Metadata
    from baocao.package import write_package
    from baocao.pipeline import default_sources, run, tables

    started = time.perf_counter()
    metadata = Metadata()
    files = list(sources) or default_sources()
    reports = run(files, metadata)
    descriptor = write_package(out, tables(reports, metadata), metadata)
    for report in reports:
        for warning in report.document.warnings:
            click.echo(f"baocao: warning: {report.source.path}: {warning}", err=True)
    counts = ", ".join(f"{r['name']} {r['rowCount']}" for r in descriptor["resources"])
    click.echo(f"built {out} from {len(reports)} report(s) in {time.perf_counter() - started:.1f}s: {counts}")


@cli.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path), default=paths.DATAPACKAGE)
def validate(directory: Path) -> None:
    """Validate a data package with frictionless; exit 1 on any error.

    \b
    Example:
        baocao validate
        baocao validate /tmp/pkg
    """
    from baocao.validate import validate_package

    report = validate_package(directory)
    click.echo(report.summary())
    if not report.valid:
        sys.exit(1)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="Output format on stdout.",
)
def extract(file: Path, fmt: str) -> None:
    """Print every number of any report, with unit, qualifier and sentence.

    For a first look at a report that has no metadata yet.

    \b
    Example:
        baocao extract sources/bac-kan-2024-h1.txt --format json | head
    """
    from baocao.extract import Extractor
    from baocao.package import cell
    from baocao.parse import parse_document
    from baocao.read import read_source

    source = read_source(file)
    document = parse_document(source.text, file)
    columns = [
        "section_id",
        "value",
        "value_text",
        "unit_id",
        "role",
        "expression",
        "qualifier",
        "obs_status",
        "kind",
        "notation",
        "quote",
    ]
    rows = [{c: getattr(m, c) for c in columns} for m in Extractor().document_mentions(document)]
    if fmt == "json":
        json.dump(
            [{k: cell(v) if v is not None else None for k, v in r.items()} for r in rows],
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        sys.stdout.write("\n")
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[cell(r[c]) for c in columns] for r in rows])


@cli.command()
@click.option(
    "--package",
    "package_dir",
    type=click.Path(path_type=Path),
    default=paths.DATAPACKAGE,
    show_default=True,
    help="The data package to load.",
)
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=paths.DATABASE,
    show_default=True,
    help="The SQLite database to write (replaced atomically).",
)
def load(package_dir: Path, db: Path) -> None:
    """Load the data package into SQLite, with types, keys and an inspect file.

    \b
    Example:
        baocao load
    """
    from baocao.load import load_package

    counts = load_package(package_dir, db)
    click.echo(f"loaded {db}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind to.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=paths.DATABASE,
    show_default=True,
    help="The database built by `baocao load`.",
)
def serve(host: str, port: int, db: Path) -> None:
    """Serve the database read-only with Datasette.

    \b
    Example:
        baocao serve --port 8001
    """
    from baocao.serve import serve as run_server

    run_server(db, host, port)


def main() -> None:
    cli(prog_name="baocao")
