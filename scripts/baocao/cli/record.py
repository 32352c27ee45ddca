"""`baocao record SOURCE`: the one command that writes metadata/sources.yaml.

A report the file does not know gets the record read from its own text (province, issuer,
period, title: see baocao.reading.provenance), appended for the officer to review; a known report
whose file changed gets its new sha256. The file is rewritten whole or not at all, its
comments and layout kept. `baocao build` only reads it.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from baocao.core import schema
from baocao.core.errors import BaocaoError
from baocao.core.metadata import Metadata
from baocao.reading.parse import parse_document
from baocao.reading.provenance import provenance_for
from baocao.reading.read import read_source

# the keys of a record in metadata/sources.yaml, in the order they are written
KEYS = (
    "id",
    "file",
    "sha256",
    "title_vi",
    "title_en",
    "issuer_vi",
    "issuer_en",
    "addressee_vi",
    "addressee_en",
    "province",
    "period_start",
    "period_end",
    "language",
    "licence",
    "document_symbol",
    "document_date",
    "note_vi",
    "note_en",
)


def record_source(path: Path, metadata: Metadata, overrides: dict[str, str | None] | None = None) -> str:
    """Record ``path``'s provenance in ``metadata``'s sources.yaml; returns what was done, in one line."""
    target = metadata.root / "sources.yaml"
    source = read_source(path)
    document = parse_document(source.text, path)
    provenance = provenance_for(path, metadata, source, document, overrides)
    text = target.read_text(encoding="utf-8")
    if not provenance.get("inferred"):
        if provenance["sha256"] == source.sha256:
            return f"{path}: already recorded as {provenance['id']} in {target}, sha256 unchanged"
        if text.count(provenance["sha256"]) != 1:
            raise BaocaoError(f"cannot find the one sha256 of {provenance['id']} to replace", target)
        _write(target, text.replace(provenance["sha256"], source.sha256))
        return f"{path}: new sha256 {source.sha256} recorded for {provenance['id']} in {target}"
    known = {r["id"]: r["file"] for r in metadata.sources}
    if provenance["id"] in known:
        raise BaocaoError(f"id {provenance['id']!r} is already the id of {known[provenance['id']]}", path)
    text = re.sub(r"(?m)^reports:[ \t]*\[[ \t]*\][ \t]*$", "reports:", text)  # a project with no report yet
    _write(target, text.rstrip("\n") + "\n" + _entry(provenance))
    return (
        f"{path}: recorded as {provenance['id']} in {target} (read from the text: review it): "
        f"{provenance['issuer_vi']}, {provenance['province']}, "
        f"{provenance['period_start']} to {provenance['period_end']}"
    )


def _entry(provenance: dict[str, Any]) -> str:
    """One item of the `reports` list, as YAML indented under it."""
    record = {key: provenance[key] for key in KEYS if provenance.get(key) not in (None, "")}
    block = yaml.safe_dump([record], allow_unicode=True, sort_keys=False, width=110)
    return "".join(f"  {line}" if line.strip() else line for line in block.splitlines(keepends=True))


def _write(target: Path, text: str) -> None:
    """Replace ``target`` with ``text`` if the result is a sources.yaml baocao reads; nothing written otherwise."""
    schema.check(target, yaml.safe_load(text))
    handle, staging = tempfile.mkstemp(prefix=".sources.", suffix=".yaml", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(staging, target.stat().st_mode & 0o777)
        os.replace(staging, target)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
