"""A synthetic corpus: N reports made from the real one by changing its figures, keeping its structure.

Only figures change (mentions of kind "quantity"): headings, dates, years, document
numbers, periods ("6 tháng") and ordinals stay as they are, so every locator still
finds its figure. Each report gets a provenance record in a copy of metadata/.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sys
from pathlib import Path

import yaml

from baocao.core import paths
from baocao.core.metadata import Metadata
from baocao.figures.extract import Extractor
from baocao.reading.parse import _heading

REPORT = paths.SOURCES / "bac-kan-2024-h1.txt"


def _scramble(number: str, rng: random.Random) -> str:
    out = []
    for index, char in enumerate(number):
        if not char.isdigit():
            out.append(char)
        elif index == 0 and char != "0":
            out.append(str(rng.randint(1, 9)))
        else:
            out.append(str(rng.randint(0, 9)))
    return "".join(out)


def figure_spans(text: str, extractor: Extractor) -> list[list[tuple[int, int]]]:
    """Per line of the raw text, the spans of the figures that may change."""
    spans = []
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or _heading(stripped):
            spans.append([])
            continue
        spans.append([(m.value_start, m.value_end) for m in extractor.mentions("x", line) if m.kind == "quantity"])
    return spans


def variant(text: str, spans: list[list[tuple[int, int]]], seed: int) -> str:
    rng = random.Random(seed)
    lines = text.split("\n")
    for index, line_spans in enumerate(spans):
        line = lines[index]
        for start, end in reversed(line_spans):
            line = line[:start] + _scramble(line[start:end], rng) + line[end:]
        lines[index] = line
    return "\n".join(lines)


def make_corpus(n: int, target: Path, seed: int = 2024) -> tuple[list[Path], Path]:
    """Write n reports under target/sources and a metadata copy under target/metadata."""
    if target.exists():
        shutil.rmtree(target)
    (target / "sources").mkdir(parents=True)
    metadata_dir = target / "metadata"
    shutil.copytree(paths.METADATA, metadata_dir)
    text = REPORT.read_text(encoding="utf-8")
    spans = figure_spans(text, Extractor(Metadata()))
    template = Metadata().sources[0]
    records, files = [], []
    for index in range(n):
        body = text if index == 0 else variant(text, spans, seed + index)
        path = target / "sources" / f"report-{index:04d}.txt"
        path.write_text(body, encoding="utf-8")
        files.append(path)
        records.append(
            {
                **template,
                "id": f"report-{index:04d}",
                "file": path.name,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "locators": template["id"],
            }
        )
    (metadata_dir / "sources.yaml").write_text(
        yaml.safe_dump({"reports": records}, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return files, metadata_dir


if __name__ == "__main__":  # python -m baocao.evaluation.synthetic N FOLDER
    files, metadata_dir = make_corpus(int(sys.argv[1]), Path(sys.argv[2]))
    print(f"{len(files)} reports in {Path(sys.argv[2]) / 'sources'}, metadata in {metadata_dir}")
