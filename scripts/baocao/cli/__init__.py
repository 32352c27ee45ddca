"""The baocao command line: one click group, thin commands over the library.

Every command works on a project folder (see baocao.core.paths) and raises the project's errors
(baocao.core.errors), which the group prints on one line with their exit code.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import click

from baocao import __version__
from baocao.cli.evaluation import eval_, eval_real
from baocao.cli.options import (
    Group,
    current_metadata,
    db_option,
    default_report,
    generic_only_option,
    in_project,
    max_source_option,
    package_option,
    path_option,
    progress,
    project_option,
    provenance_options,
    report_option,
)
from baocao.core import paths
from baocao.core.errors import BaocaoError, ValidationFailed


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="baocao")
@project_option
@click.option(
    "--metadata",
    "metadata_dir",
    type=click.Path(path_type=Path),
    envvar="BAOCAO_METADATA",
    show_default="PROJECT/metadata",
    help="The metadata folder (indicators, units, sources...): another province's, for example.",
)
@click.pass_context
def cli(ctx: click.Context, metadata_dir: Path | None) -> None:
    """Turn Vietnamese government reports into bilingual open data.

    \b
    Example:
        baocao init my-reports && cd my-reports
        baocao build && baocao validate && baocao load && baocao site && baocao serve
    """
    ctx.obj = {"metadata_dir": metadata_dir}


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
def init(directory: Path) -> None:
    """Create a project: metadata/ with the standard vocabulary, a sample report in sources/, datapackage/, build/.

    DIRECTORY must not exist or be empty. The project is ready for `baocao build`.

    \b
    Example:
        baocao init my-reports && cd my-reports && baocao build
    """
    from baocao.cli.init import create_project

    project = create_project(directory)
    click.echo(f"created {project.root}: metadata/, sources/ ({len(list(project.sources.iterdir()))} report), ...")


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@project_option
@max_source_option()
@provenance_options
def record(source: Path, province: str | None, period: str | None, issuer: str | None) -> None:
    """Record a new or changed report's provenance (sha256, title, issuer, period) in metadata/sources.yaml.

    A report metadata/sources.yaml does not know gets the record read from its text, to review
    and complete by hand; a known report whose file changed gets its new sha256. `baocao build`
    only reads metadata/sources.yaml and refuses a report whose sha256 does not match.

    \b
    Example:
        baocao record sources/bac-kan-2024-h1.txt
        baocao record sources/news.txt --province "Nghệ An" --period 2018-H1
    """
    from baocao.cli.record import record_source

    overrides = {"province": province, "period": period, "issuer": issuer}
    click.echo(record_source(source, current_metadata(), overrides))


@cli.command()
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A report (.txt, .docx or .pdf), or a folder of them; repeat for several. Default: every report "
    "under sources/.",
)
@path_option("--out", default="datapackage", help="Folder to write the data package to (replaced whole, atomically).")
@project_option
@max_source_option()
@provenance_options
@generic_only_option
def build(sources: tuple[Path, ...], out: Path | None, generic_only: bool, **overrides: str | None) -> None:
    """Build the data package from report text(s). Reads metadata/, never writes it.

    \b
    Example:
        baocao build
        baocao build --source sources/bac-kan-2024-h1.txt --out /tmp/pkg
        baocao --metadata other-province/metadata build --source other.txt --out /tmp/other
        baocao build --source news.txt --province "Nghệ An" --period 2018-H1 --out /tmp/news
        baocao build --generic-only --out /tmp/generic
    """
    from baocao.package.pipeline import build_package, default_sources
    from baocao.package.publish import check_out

    started = time.perf_counter()
    metadata = current_metadata()
    out = in_project(out, "datapackage")
    check_out(out)  # before any work: --out must be empty or a package, never a folder a build would wipe
    metadata.check_all()  # every metadata file against its schema, before any work
    files = [f for source in sources for f in (default_sources(source) if source.is_dir() else [source])]
    files = files or default_sources()
    if overrides["period"]:
        from baocao.reading.report_period import parse_period_option

        parse_period_option(overrides["period"])  # a malformed period is refused before any report is read
    descriptor, warnings, notes = build_package(
        files,
        out,
        metadata,
        progress=progress if len(files) >= 20 else None,
        overrides=overrides,
        generic_only=generic_only,
    )
    for warning in warnings:
        click.echo(f"baocao: warning: {warning}", err=True)
    for note in notes if len(files) <= 50 else []:
        click.echo(f"baocao: {note}", err=True)
    counts = ", ".join(f"{r['name']} {r['rowCount']}" for r in descriptor["resources"])
    click.echo(f"built {out} from {len(files)} report(s) in {time.perf_counter() - started:.1f}s: {counts}")


@cli.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@package_option(help="The data package to validate (a folder, or its datapackage.json); DIRECTORY works too.")
@project_option
def validate(directory: Path | None, package_dir: Path | None) -> None:
    """Validate a data package with frictionless; exit 1 on any error.

    \b
    Example:
        baocao validate
        baocao validate --package /tmp/pkg
    """
    from baocao.package.validate import validate_package

    if directory is not None and package_dir is not None and directory != package_dir:
        raise BaocaoError(f"two packages named: {directory} and --package {package_dir}")
    package_dir = in_project(package_dir or directory, "datapackage")
    report = validate_package(package_dir)
    click.echo(report.summary())
    if not report.valid:
        raise ValidationFailed(f"not valid: {len(report.errors)} error(s)", package_dir)


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
@provenance_options
@max_source_option()
@project_option
def extract(file: Path, fmt: str, province: str | None, period: str | None, issuer: str | None) -> None:
    """Print the statements of any report: every figure typed, resolved or not.

    Each row is one figure: its subject, measure, period, value and unit, the indicator it
    resolves to (or why not) and the sentence it comes from. The first look at a new report.

    \b
    Example:
        baocao extract sources/bac-kan-2024-h1.txt --format json | head
    """
    from baocao.curation.typed import STATEMENT_COLUMNS, statement_table
    from baocao.package.descriptor import cell
    from baocao.package.pipeline import run

    overrides = {"province": province, "period": period, "issuer": issuer}
    [report] = run([file], current_metadata(), overrides=overrides)
    provenance = report.provenance
    if provenance.get("inferred"):
        click.echo(
            f"baocao: {file}: provenance read from the text (to review; --province, --period, --issuer "
            f"correct it): {provenance.get('province')}, {provenance['period_start']} to "
            f"{provenance['period_end']}, {provenance.get('issuer_vi')}",
            err=True,
        )
    rows = statement_table(report)
    if fmt == "json":
        json.dump([{k: _json_value(v) for k, v in r.items()} for r in rows], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(STATEMENT_COLUMNS)
        writer.writerows([[cell(r[c]) if r[c] is not None else "" for c in STATEMENT_COLUMNS] for r in rows])


def _json_value(value):
    """A cell of `extract --format json`: numbers as JSON numbers (exact: an integer, else the decimal's own
    digits), other values as the package writes them."""
    from decimal import Decimal

    from baocao.package.descriptor import cell

    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return cell(value)


@cli.command()
@package_option(help="The data package to load.")
@db_option(help="The SQLite database to write (replaced atomically).")
@project_option
def load(package_dir: Path | None, db: Path | None) -> None:
    """Load the data package into SQLite, with types, keys and an inspect file.

    \b
    Example:
        baocao load
    """
    from baocao.database.load import load_package

    db = in_project(db, "database")
    counts = load_package(in_project(package_dir, "datapackage"), db, metadata=current_metadata())
    click.echo(f"loaded {db}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@cli.command()
@package_option(help="The data package the site serves.")
@path_option("--out", default="build/site", help="Folder for the site's generated files (replaced atomically).")
@click.option("--no-downloads", is_flag=True, help="Skip the zip and XLSX downloads (previews, benchmarks).")
@project_option
def site(package_dir: Path | None, out: Path | None, no_downloads: bool) -> None:
    """Generate the site: bilingual Datasette metadata, landing page, charts, downloads.

    \b
    Example:
        baocao site
    """
    from baocao.package.publish import check_site_out
    from baocao.site import build_site

    out = in_project(out, "site")
    package_dir = in_project(package_dir, "datapackage")
    check_site_out(out)  # before any work: never a folder that a site build would replace whole
    landing = build_site(package_dir, out, current_metadata(), with_downloads=not no_downloads)
    for note in landing["omitted"]:
        click.echo(f"baocao: note: {note} (metadata/site.yaml)", err=True)
    files = ", ".join(d["href"].rsplit("/", 1)[-1] for d in landing["downloads"])
    click.echo(f"site in {out}: {len(landing['charts'])} charts, downloads {files}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind to.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@db_option(help="The database built by `baocao load`.")
@path_option("--site-dir", default="build/site", help="The files built by `baocao site`.")
@project_option
def serve(host: str, port: int, db: Path | None, site_dir: Path | None) -> None:
    """Serve the database read-only with Datasette.

    \b
    Example:
        baocao serve --port 8001
    """
    from baocao.database.load import check_inspect_file
    from baocao.site.serve import serve as run_server

    db, site_dir = in_project(db, "database"), in_project(site_dir, "site")
    if db.is_file() and paths.inspect_file(db).is_file():
        check_inspect_file(db)  # a load killed between its two renames pairs a new database with old counts
    run_server(db, host, port, site_dir)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@report_option(help="The report to run the locators on.")
@project_option
def locate(files: tuple[Path, ...], source: Path | None) -> None:
    """Run a report's locators and print what each finds, or why it fails.

    For writing and reviewing metadata/locators/<report>/*.yaml (or, given a file of
    metadata/indicators/, every report's locators of that topic): every locator is
    tried, all problems are listed, and the checks of those files are run. Exits 2 if
    any locator fails.

    \b
    Example:
        baocao locate metadata/locators/bac-kan-2024-h1/economy.yaml
    """
    from baocao.evaluation.review import locate_lines

    failures = 0
    for line in locate_lines(default_report(source), list(files) or None, current_metadata()):
        failures += line.startswith("FAIL ")
        click.echo(line)
    if failures:
        raise BaocaoError(f"{failures} locator(s) failed")


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@report_option(help="The report to measure coverage on.")
@click.option("--section", "sections", multiple=True, help="Only these sections (e.g. I.8.2, fn4); repeatable.")
@click.option("--all", "show_all", is_flag=True, help="List covered figures too.")
@project_option
def coverage(files: tuple[Path, ...], source: Path | None, sections: tuple[str, ...], show_all: bool) -> None:
    """List the figures of Part I and footnotes that no observation covers yet.

    With FILES, only the locators of those indicator files count.

    \b
    Example:
        baocao coverage --section I.8.1
        baocao coverage --section I.1 metadata/indicators/economy.yaml
    """
    from baocao.evaluation.coverage import figure_coverage

    rows, summary = figure_coverage(default_report(source), sections, list(files) or None, current_metadata())
    for row in rows:
        if show_all or not row["covered"]:
            mark = "   " if row["covered"] else "-- "
            click.echo(
                f"{mark}{row['section_id']:8} {row['value_text']:>14} {row['unit_id'] or '':12} {row['context']}"
            )
    click.echo(summary)


cli.add_command(eval_)
cli.add_command(eval_real)


def main() -> None:
    cli(prog_name="baocao")
