"""Stage 6, validate: frictionless checks the package, and baocao checks what frictionless does not."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from baocao.errors import BaocaoError


@dataclass
class ValidationReport:
    path: Path
    valid: bool
    errors: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if self.valid:
            counts = ", ".join(f"{name} {count}" for name, count in self.rows.items())
            return f"valid: {self.path} ({counts})"
        lines = [f"invalid: {self.path}: {len(self.errors)} error(s)"]
        lines += [f"  - {error}" for error in self.errors[:50]]
        if len(self.errors) > 50:
            lines.append(f"  ... and {len(self.errors) - 50} more")
        return "\n".join(lines)


def validate_package(directory: Path) -> ValidationReport:
    """Validate ``directory``/datapackage.json with frictionless, plus row counts and checksums."""
    from frictionless import FrictionlessException, Package, system

    directory = Path(directory)
    descriptor_path = directory / "datapackage.json" if directory.is_dir() else directory
    if not descriptor_path.exists():
        raise BaocaoError("no datapackage.json", directory)
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BaocaoError(f"datapackage.json is not valid JSON ({error})", descriptor_path) from None
    base = descriptor_path.parent
    errors: list[str] = []
    rows: dict[str, int] = {}
    try:
        with system.use_context(trusted=False):
            report = Package(str(descriptor_path)).validate()
    except FrictionlessException as exception:
        messages = [e.message for e in getattr(exception, "reasons", [])] or [exception.error.message]
        return ValidationReport(descriptor_path, False, [f"descriptor: {m}" for m in messages])
    library_errors: list[str] = []
    for task in report.tasks:
        name = task.name or task.place
        rows[name] = task.stats.get("rows") or 0
        for error in task.errors:
            row = getattr(error, "row_number", None)
            place = f" row {row}" if row else ""
            library_errors.append(f"{name}{place}: {error.type}: {error.message}")
    for error in report.errors:
        library_errors.append(f"package: {error.type}: {error.message}")
    # A CSV that frictionless reads short (an unclosed quote swallows rows) still
    # validates; the row count the package declares is what catches it.
    for resource in descriptor.get("resources", []):
        name = resource.get("name")
        path = base / resource.get("path", "")
        if not path.exists():
            continue
        data = path.read_bytes()
        if "rowCount" in resource and rows.get(name) is not None and rows[name] != resource["rowCount"]:
            errors.append(f"{name}: row count {rows[name]} read, {resource['rowCount']} declared")
        if "hash" in resource and hashlib.sha256(data).hexdigest() != resource["hash"].split(":")[-1]:
            errors.append(f"{name}: sha256 differs from the hash declared in datapackage.json")
        if "bytes" in resource and len(data) != resource["bytes"]:
            errors.append(f"{name}: {len(data)} bytes, {resource['bytes']} declared")
    # baocao's own checks first: a lost row explains the foreign-key errors that follow from it
    errors += library_errors
    return ValidationReport(descriptor_path, not errors, errors, rows)
