"""What the commands of the command line share: the group that turns errors into one line, the options
written once (project, package, database, source size, provenance) and the progress line."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from baocao.core import paths
from baocao.core.errors import BaocaoError


class Group(click.Group):
    """Every error a command raises is one line on stderr, with its exit code; no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BaocaoError as error:
            click.echo(f"baocao: error: {one_line(error)}", err=True)
            ctx.exit(error.exit_code)
        except BrokenPipeError:
            raise  # `baocao extract ... | head`: click ends quietly
        except (OSError, MemoryError, UnicodeError) as error:
            # the last resort for what no command turned into a BaocaoError: one line, with the
            # exception's type so that a bug stays recognisable, and the exit code of bad input
            click.echo(f"baocao: error: {type(error).__name__}: {one_line(error) or 'out of memory'}", err=True)
            ctx.exit(2)


def one_line(error: BaseException) -> str:
    return " ".join(str(error).splitlines())


def _use_project(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None:
        ctx.with_resource(paths.using(value))
    return value


def project_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--project DIR: the project to work on, on the group and on every command."""
    return click.option(
        "--project",
        type=click.Path(path_type=Path),
        callback=_use_project,
        expose_value=False,
        is_eager=True,
        help="The project folder (metadata/, sources/, datapackage/, build/). Default: $BAOCAO_PROJECT, "
        "else the nearest folder holding metadata/ from the working directory upwards.",
    )(command)


def path_option(*names: str, default: str, help: str):
    """An option holding a path; ``default`` names a place of the project (paths.Project), found when it runs."""
    return click.option(
        *names, type=click.Path(path_type=Path), default=None, show_default=f"PROJECT/{default}", help=help
    )


def in_project(value: Path | None, place: str) -> Path:
    """An option's path, or the current project's ``place`` (datapackage, database, site, ...)."""
    return value if value is not None else getattr(paths.current(), place)


def package_option(help: str):
    return path_option("--package", "package_dir", default="datapackage", help=help)


def db_option(help: str):
    return path_option("--db", default="build/baocao.db", help=help)


def report_option(help: str):
    return click.option(
        "--source",
        type=click.Path(path_type=Path),
        default=None,
        show_default="the one report under PROJECT/sources/",
        help=help,
    )


def default_report(source: Path | None) -> Path:
    """``--source``, or the project's one report."""
    if source is not None:
        return source
    from baocao.package.pipeline import default_sources

    files = default_sources()
    if len(files) > 1:
        raise BaocaoError(f"{len(files)} reports here: name one with --source", paths.current().sources)
    return files[0]


def max_source_option():
    """--max-source-mb: the size limit of a source, for the command being run and its worker processes."""

    def apply(ctx: click.Context, _param: click.Parameter, value: float | None) -> float | None:
        from baocao.reading.read import source_limit

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


def provenance_options(command):
    """--province, --period and --issuer: what the command line says of a report, over what is read from it."""
    from baocao.reading.provenance import ISSUERS

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


def generic_only_option(command):
    """--generic-only: ignore every report-specific locator."""
    return click.option(
        "--generic-only",
        is_flag=True,
        help="Ignore every report-specific locator: what the generic reading of statements alone publishes.",
    )(command)


def progress(done: int, total: int) -> None:
    """A progress line on stderr for long builds: one update per 5% and at the end."""
    step = max(1, total // 20)
    if done % step == 0 or done == total:
        width = 30
        filled = width * done // total
        click.echo(
            f"\rbaocao: reports [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", err=True, nl=done == total
        )


def current_metadata():
    """The Metadata of the command being run: --metadata, else the project's, else the one baocao ships."""
    from baocao.core.metadata import Metadata

    chosen = click.get_current_context().find_root().obj
    if "metadata" not in chosen:
        root = chosen["metadata_dir"]
        if root is None:
            try:
                root = paths.current().metadata
            except BaocaoError:
                if paths.find() is not None or os.environ.get(paths.ENV):
                    raise
                from baocao.cli.init import TEMPLATE

                root = TEMPLATE / "metadata"  # outside any project: the standard metadata
        if not root.is_dir():
            raise BaocaoError("no such metadata folder", root)
        chosen["metadata"] = Metadata(root)
    return chosen["metadata"]
