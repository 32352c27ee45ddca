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
            click.echo(f"baocao: error: {_one_line(error)}", err=True)
            ctx.exit(error.exit_code)
        except BrokenPipeError:
            raise  # `baocao extract ... | head`: click ends quietly
        except (OSError, MemoryError, UnicodeError) as error:
            # the last resort for what no command turned into a BaocaoError: one line, with the
            # exception's type so that a bug stays recognisable, and the exit code of bad input
            click.echo(f"baocao: error: {type(error).__name__}: {_one_line(error) or 'out of memory'}", err=True)
            ctx.exit(2)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).splitlines())


def path_option(*names: str, default: Path, help: str):
    """An option holding a path, with its default shown: written once, used by several commands."""
    return click.option(*names, type=click.Path(path_type=Path), default=default, show_default=True, help=help)


def package_option(help: str):
    return path_option("--package", "package_dir", default=paths.DATAPACKAGE, help=help)


def db_option(help: str):
    return path_option("--db", default=paths.DATABASE, help=help)


REPORT = paths.SOURCES / "bac-kan-2024-h1.txt"


def report_option(help: str):
    return path_option("--source", default=REPORT, help=help)


def max_source_option():
    """--max-source-mb: the size limit of a source, for the command being run and its worker processes."""

    def apply(ctx: click.Context, _param: click.Parameter, value: float | None) -> float | None:
        from baocao.read import source_limit

        ctx.with_resource(source_limit(value))
        return value

    return click.option(
        "--max-source-mb",
        type=click.FloatRange(min=0, min_open=True),
        envvar="BAOCAO_MAX_SOURCE_MB",
        callback=apply,
        expose_value=False,
        help="Refuse a source larger than this many megabytes (default 20); a source must be a regular file.",
    )


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="baocao")
@click.option(
    "--metadata",
    "metadata_dir",
    type=click.Path(path_type=Path),
    default=paths.METADATA,
    envvar="BAOCAO_METADATA",
    show_default=True,
    help="The metadata folder (indicators, units, sources...): another province's, for example.",
)
@click.pass_context
def cli(ctx: click.Context, metadata_dir: Path) -> None:
    """Turn Vietnamese government reports into bilingual open data.

    \b
    Example:
        baocao build && baocao validate && baocao load && baocao serve
    """
    from baocao.metadata import Metadata

    if not metadata_dir.is_dir():
        raise BaocaoError("no such metadata folder", metadata_dir)
    ctx.obj = Metadata(metadata_dir)


def _progress(done: int, total: int) -> None:
    """A progress line on stderr for long builds: one update per 5% and at the end."""
    step = max(1, total // 20)
    if done % step == 0 or done == total:
        width = 30
        filled = width * done // total
        click.echo(
            f"\rbaocao: reports [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", err=True, nl=done == total
        )


def provenance_options(command):
    """--province, --period and --issuer: what the command line says of a report, over what is read from it."""
    from baocao.provenance import ISSUERS

    for option in reversed(
        [
            click.option(
                "--province",
                help="The province the report(s) describe (a name of metadata/provinces.yaml, or 'national'); "
                "overrides what is read from the text.",
            ),
            click.option(
                "--period",
                help="The reporting period: 2024-01-01/2024-06-30, 2024, 2024-09, 2024-Q3, 2024-H1 or 2024-9M; "
                "overrides what is read from the text.",
            ),
            click.option("--issuer", type=click.Choice(ISSUERS), help="Who issued the report(s), if not read right."),
        ]
    ):
        command = option(command)
    return command


def current_metadata():
    """The Metadata chosen with --metadata, for the command being run."""
    return click.get_current_context().find_root().obj


@cli.command()
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A report (.txt, .docx or .pdf), or a folder of them; repeat for several. Default: every report "
    "under sources/.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=paths.DATAPACKAGE,
    show_default=True,
    help="Folder to write the data package to (replaced whole, atomically).",
)
@click.option(
    "--re-record",
    is_flag=True,
    help="Accept a source whose sha256 differs from metadata/sources.yaml and record the new checksum.",
)
@max_source_option()
@provenance_options
def build(
    sources: tuple[Path, ...], out: Path, re_record: bool, province: str | None, period: str | None, issuer: str | None
) -> None:
    """Build the data package from report text(s).

    \b
    Example:
        baocao build
        baocao build --source sources/bac-kan-2024-h1.txt --out /tmp/pkg
        baocao --metadata other-province/metadata build --source other.txt --out /tmp/other
        baocao build --source news.txt --province "Nghệ An" --period 2018-H1 --out /tmp/news
    """
    from baocao.package import check_out
    from baocao.pipeline import build_package, default_sources

    started = time.perf_counter()
    metadata = current_metadata()
    check_out(out)  # before any work: --out must be empty or a package, never a folder a build would wipe
    files = [f for source in sources for f in (default_sources(source) if source.is_dir() else [source])]
    files = files or default_sources()
    overrides = {"province": province, "period": period, "issuer": issuer}
    if period:
        from baocao.provenance import parse_period_option

        parse_period_option(period)  # a malformed period is refused before any report is read
    descriptor, warnings, notes = build_package(
        files,
        out,
        metadata,
        re_record=re_record,
        progress=_progress if len(files) >= 20 else None,
        overrides=overrides,
    )
    for warning in warnings:
        click.echo(f"baocao: warning: {warning}", err=True)
    for note in notes if len(files) <= 50 else []:
        click.echo(f"baocao: {note}", err=True)
    counts = ", ".join(f"{r['name']} {r['rowCount']}" for r in descriptor["resources"])
    click.echo(f"built {out} from {len(files)} report(s) in {time.perf_counter() - started:.1f}s: {counts}")


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
@provenance_options
@max_source_option()
def extract(file: Path, fmt: str, province: str | None, period: str | None, issuer: str | None) -> None:
    """Print the statements of any report: every figure typed, resolved or not.

    Each row is one figure: its subject, measure, period, value and unit, the indicator it
    resolves to (or why not) and the sentence it comes from. The first look at a new report.

    \b
    Example:
        baocao extract sources/bac-kan-2024-h1.txt --format json | head
    """
    from baocao.package import cell
    from baocao.pipeline import run
    from baocao.typed import STATEMENT_COLUMNS, statement_table

    overrides = {"province": province, "period": period, "issuer": issuer}
    [report] = run([file], current_metadata(), overrides=overrides)
    rows = statement_table(report)
    if fmt == "json":
        json.dump(
            [{k: v if v is None or isinstance(v, bool | int) else cell(v) for k, v in r.items()} for r in rows],
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        sys.stdout.write("\n")
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(STATEMENT_COLUMNS)
        writer.writerows([[cell(r[c]) if r[c] is not None else "" for c in STATEMENT_COLUMNS] for r in rows])


@cli.command()
@package_option("The data package to load.")
@db_option("The SQLite database to write (replaced atomically).")
def load(package_dir: Path, db: Path) -> None:
    """Load the data package into SQLite, with types, keys and an inspect file.

    \b
    Example:
        baocao load
    """
    from baocao.load import load_package

    counts = load_package(package_dir, db, metadata=current_metadata())
    click.echo(f"loaded {db}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@cli.command()
@package_option("The data package the site serves.")
@path_option("--out", default=paths.BUILD / "site", help="Folder for the site's generated files (replaced atomically).")
@click.option("--no-downloads", is_flag=True, help="Skip the zip and XLSX downloads (previews, benchmarks).")
def site(package_dir: Path, out: Path, no_downloads: bool) -> None:
    """Generate the site: bilingual Datasette metadata, landing page, charts, downloads.

    \b
    Example:
        baocao site
    """
    from baocao.site import build_site

    landing = build_site(package_dir, out, current_metadata(), with_downloads=not no_downloads)
    files = ", ".join(d["href"].rsplit("/", 1)[-1] for d in landing["downloads"])
    click.echo(f"site in {out}: {len(landing['charts'])} charts, downloads {files}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind to.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@db_option("The database built by `baocao load`.")
@path_option("--site-dir", default=paths.BUILD / "site", help="The files built by `baocao site`.")
def serve(host: str, port: int, db: Path, site_dir: Path) -> None:
    """Serve the database read-only with Datasette.

    \b
    Example:
        baocao serve --port 8001
    """
    from baocao.load import check_inspect_file
    from baocao.serve import serve as run_server

    if db.is_file() and db.with_name("inspect.json").is_file():
        check_inspect_file(db)  # a load killed between its two renames pairs a new database with old counts
    run_server(db, host, port, site_dir)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@report_option("The report to run the locators on.")
def locate(files: tuple[Path, ...], source: Path) -> None:
    """Run indicator locators and print what each finds, or why it fails.

    For writing and reviewing metadata/indicators/*.yaml: every locator is tried,
    all problems are listed, and the consistency checks of those files are run.
    Exits 2 if any locator fails.

    \b
    Example:
        baocao locate metadata/indicators/economy.yaml
    """
    from baocao.curate import Curator, load_catalog
    from baocao.package import cell
    from baocao.pipeline import run

    metadata = current_metadata()
    catalog = load_catalog(metadata, list(files) or None)
    curator = Curator(metadata, catalog)
    [report] = run([source], metadata, curate=False)
    texts = {s.section_id: s.text for s in report.document.sections}
    failures = 0
    found = []
    for indicator in catalog.indicators.values():
        for locator in indicator.locators:
            try:
                observation = curator.locate(locator, texts, report.mentions, str(source))
            except BaocaoError as error:
                failures += 1
                click.echo(f"FAIL {error}")
                continue
            found.append(observation)
            extra = f" ({observation.direction})" if observation.direction else ""
            click.echo(
                f"ok   {indicator.id}.{observation.measure} = {cell(observation.value)} {observation.unit_id}"
                f" [{observation.obs_status}]{extra} {observation.section_id}: "
                f"…{observation.quote[max(0, observation.value_start - observation.quote_start - 50) :][:110]}…"
            )
    if not failures:
        for result in curator.checks(found):
            click.echo(
                f"check {result.status.upper():4} {result.id}: {result.formula}: expected "
                f"{cell(result.expected)}, actual {cell(result.actual)}, tolerance {cell(result.tolerance)}"
            )
    click.echo(f"{len(found)} observation(s), {failures} failure(s)")
    if failures:
        sys.exit(2)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@report_option("The report to measure coverage on.")
@click.option("--section", "sections", multiple=True, help="Only these sections (e.g. I.8.2, fn4); repeatable.")
@click.option("--all", "show_all", is_flag=True, help="List covered figures too.")
def coverage(files: tuple[Path, ...], source: Path, sections: tuple[str, ...], show_all: bool) -> None:
    """List the figures of Part I and footnotes that no observation covers yet.

    With FILES, only the locators of those indicator files count.

    \b
    Example:
        baocao coverage --section I.8.1
        baocao coverage --section I.1 metadata/indicators/economy.yaml
    """
    from baocao.coverage import figure_coverage

    rows, summary = figure_coverage(source, sections, list(files) or None, current_metadata())
    for row in rows:
        if show_all or not row["covered"]:
            mark = "   " if row["covered"] else "-- "
            click.echo(
                f"{mark}{row['section_id']:8} {row['value_text']:>14} {row['unit_id'] or '':12} {row['context']}"
            )
    click.echo(summary)


@cli.command(name="eval")
@click.argument("folder", required=False, type=click.Path(path_type=Path), default=Path("eval"))
@click.option("--verbose", "-v", is_flag=True, help="List the facts missed and the observations that are wrong.")
def eval_(folder: Path, verbose: bool) -> None:
    """Score the generic reading on an evaluation set: recall and precision per report and overall.

    Each NAME.txt is read with no provenance record and no report-specific locator, and its
    observations are compared with the facts of NAME.yaml (see eval/README.md).

    \b
    Example:
        baocao eval eval/ -v
    """
    from baocao.evaluate import evaluate

    scores = evaluate(folder, current_metadata())
    click.echo(f"{'report':36} {'facts':>5} {'obs':>5} {'right':>5} {'recall':>7} {'precision':>9}  provenance")
    for s in scores:
        note = s.error or ("; ".join(s.provenance) or "ok")
        click.echo(f"{s.name:36} {s.facts:5} {s.observations:5} {s.right:5} {s.recall:7.1%} {s.precision:9.1%}  {note}")
        if verbose:
            for item in s.missed:
                click.echo(f"    missed  {item}")
            for item in s.wrong:
                click.echo(f"    wrong   {item}")
    facts = sum(s.facts for s in scores)
    observations = sum(s.observations for s in scores)
    right = sum(s.right for s in scores)
    click.echo(
        f"{'overall':36} {facts:5} {observations:5} {right:5} {right / facts if facts else 1:7.1%} "
        f"{right / observations if observations else 1:9.1%}  "
        f"{sum(not s.provenance and not s.error for s in scores)}/{len(scores)} provenance right"
    )


def main() -> None:
    cli(prog_name="baocao")
