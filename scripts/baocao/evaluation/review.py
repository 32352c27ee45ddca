"""What `baocao locate` and `baocao eval` print: lines for a person reviewing indicator files or the generic
reading, one figure, failure, check or report per line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from baocao.core.errors import BaocaoError
from baocao.core.metadata import Metadata
from baocao.package.descriptor import cell


def locate_lines(source: Path, files: list[Path] | None, metadata: Metadata) -> Iterator[str]:
    """Every locator of the indicator files (all of metadata/indicators/ without ``files``) run on ``source``:
    ``ok ...`` with the figure found or ``FAIL ...`` with the reason, then the checks if none failed, then
    the counts."""
    from baocao.curation.catalog import load_catalog
    from baocao.curation.locate import Curator
    from baocao.package.pipeline import run

    catalog = load_catalog(metadata, files)
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
                yield f"FAIL {error}"
                continue
            found.append(observation)
            extra = f" ({observation.direction})" if observation.direction else ""
            yield (
                f"ok   {indicator.id}.{observation.measure} = {cell(observation.value)} {observation.unit_id}"
                f" [{observation.obs_status}]{extra} {observation.section_id}: "
                f"…{observation.quote[max(0, observation.value_start - observation.quote_start - 50) :][:110]}…"
            )
    if not failures:
        for result in curator.checks(found):
            yield (
                f"check {result.status.upper():4} {result.id}: {result.formula}: expected "
                f"{cell(result.expected)}, actual {cell(result.actual)}, tolerance {cell(result.tolerance)}"
            )
    yield f"{len(found)} observation(s), {failures} failure(s)"


def eval_lines(scores: list[Any], verbose: bool = False) -> Iterator[str]:
    """The evaluation table: one line per report (and, verbose, what it missed or got wrong), then overall."""
    yield f"{'report':36} {'facts':>5} {'obs':>5} {'right':>5} {'recall':>7} {'precision':>9} {'other':>5}  provenance"
    for s in scores:
        note = s.error or ("; ".join(s.provenance) or "ok")
        yield (
            f"{s.name:36} {s.facts:5} {s.observations:5} {s.right:5} {s.recall:7.1%} {s.precision:9.1%} "
            f"{s.other:5}  {note}"
        )
        if verbose:
            yield from (f"    missed  {item}" for item in s.missed)
            yield from (f"    wrong   {item}" for item in s.wrong)
    facts = sum(s.facts for s in scores)
    observations = sum(s.observations for s in scores)
    right = sum(s.right for s in scores)
    yield (
        f"{'overall':36} {facts:5} {observations:5} {right:5} {right / facts if facts else 1:7.1%} "
        f"{right / observations if observations else 1:9.1%} {sum(s.other for s in scores):5}  "
        f"{sum(not s.provenance and not s.error for s in scores)}/{len(scores)} provenance right"
    )
