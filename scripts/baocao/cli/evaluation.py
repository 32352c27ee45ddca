"""`baocao eval` and `baocao eval-real`: the generic reading scored on evaluation sets."""

from __future__ import annotations

import os
from pathlib import Path

import click

from baocao.cli.options import current_metadata, in_project, project_option


@click.command(name="eval")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option("--verbose", "-v", is_flag=True, help="List the facts missed and the observations that are wrong.")
@click.option(
    "--against-locators",
    "against",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A report with locators of its own: compare its Part I figures read generically with what they find.",
)
@project_option
def eval_(folder: Path | None, verbose: bool, against: tuple[Path, ...]) -> None:
    """Score the generic reading on an evaluation set: recall and precision per report and overall.

    Each NAME.txt is read with no provenance record and no report-specific locator, and its
    observations are compared with the facts of NAME.yaml (see eval/README.md). FOLDER
    defaults to the project's eval/.

    \b
    Example:
        baocao eval eval/ -v
        baocao eval eval/ --against-locators sources/bac-kan-2024-h1.txt
    """
    from baocao.evaluation.evaluate import agreement, evaluate
    from baocao.evaluation.review import eval_lines

    scores = evaluate(in_project(folder, "eval"), current_metadata())
    for line in eval_lines(scores, verbose):
        click.echo(line)
    for source in against:
        click.echo(agreement(source, current_metadata()).line())


@click.command(name="eval-real")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option(
    "--texts",
    type=click.Path(path_type=Path),
    help="The folder of the saved texts (default: $BAOCAO_REAL_TEXTS, else FOLDER/texts).",
)
@click.option("--verbose", "-v", is_flag=True, help="List the facts missed, why, and the observations that are wrong.")
@project_option
def eval_real(folder: Path | None, texts: Path | None, verbose: bool) -> None:
    """Score the generic reading on the real-text development set: strict and loose recall and precision.

    Each NAME.yaml of FOLDER (default: the project's eval/real/) is scored on NAME.txt of the texts
    folder, which git does not hold (see eval/real/README.md); the names whose text is missing are listed.

    \b
    Example:
        baocao eval-real eval/real -v
        BAOCAO_REAL_TEXTS=~/real-texts baocao eval-real
    """
    from baocao.evaluation.real import evaluate_real, real_lines

    folder = folder if folder is not None else in_project(None, "eval") / "real"
    texts = texts or Path(os.environ.get("BAOCAO_REAL_TEXTS") or folder / "texts")
    scores, missing = evaluate_real(folder, texts, current_metadata())
    for line in real_lines(scores, missing, texts, verbose):
        click.echo(line)
