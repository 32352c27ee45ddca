"""Stage 6, validate: frictionless checks the package, and baocao checks what frictionless does not."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from baocao.core.errors import BaocaoError
from baocao.package.publish import MAX_DESCRIPTOR_BYTES, MAX_RESOURCE_BYTES, recover_before_read
from baocao.reading.read import regular_file_bytes


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


# the profiles frictionless knows without fetching them; any other profile, schema or dialect given by
# address would make the validating machine request it
_KNOWN_PROFILES = ("data-package", "tabular-data-package", "data-resource", "tabular-data-resource")
_STANDARD = "https://datapackage.org/profiles/"


def _inside(path: Path, base: Path) -> bool:
    """``path``, its links followed, stays inside ``base``."""
    try:
        return path.resolve().is_relative_to(base.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return False


def _references(descriptor: dict, resources: list[dict], base: Path) -> list[str]:
    """What the descriptor makes frictionless open besides the resources' data: only files of the package."""
    errors = []
    for key in ("profile", "$schema"):
        value = descriptor.get(key)
        if isinstance(value, str) and value not in _KNOWN_PROFILES and not value.startswith(_STANDARD):
            errors.append(f"package: {key} {value!r} is neither a standard profile nor a file of the package")
    for resource in resources:
        name = resource.get("name")
        for key in ("schema", "dialect", "profile", "$schema"):
            value = resource.get(key)
            if not isinstance(value, str) or (key in ("profile", "$schema") and (
                value in _KNOWN_PROFILES or value.startswith(_STANDARD))):  # fmt: skip
                continue
            relative = Path(value)
            if "://" in value or relative.is_absolute() or ".." in relative.parts or not _inside(base / relative, base):
                errors.append(f"{name}: {key} {value!r} is outside the package folder (only its own files are read)")
    return errors


def validate_package(directory: Path) -> ValidationReport:
    """Validate ``directory``/datapackage.json with frictionless, plus row counts and checksums."""
    from frictionless import FrictionlessException, Package, system

    directory = Path(directory)
    recover_before_read(directory)  # a build killed mid-swap left the package beside its place
    descriptor_path = directory / "datapackage.json" if directory.is_dir() else directory
    if not descriptor_path.exists():
        raise BaocaoError("no datapackage.json", directory)
    data = regular_file_bytes(descriptor_path, MAX_DESCRIPTOR_BYTES, "descriptor")
    try:
        descriptor = json.loads(data.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BaocaoError(f"datapackage.json is not valid JSON ({error})", descriptor_path) from None
    base = descriptor_path.parent
    errors: list[str] = []
    rows: dict[str, int] = {}
    # before frictionless opens anything: a path out of the folder, a FIFO or a device would be read
    # (or waited on) for ever; each resource file is read here once, for its size and sha256
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    resources = [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []
    contents: dict[int, tuple[int, str]] = {}
    errors += _references(descriptor if isinstance(descriptor, dict) else {}, resources, base)
    for index, resource in enumerate(resources):
        name, parts = resource.get("name"), resource.get("path")
        parts = [parts] if isinstance(parts, str) else parts if isinstance(parts, list) else []
        for path in parts:
            relative = Path(str(path))
            if relative.is_absolute() or ".." in relative.parts or "://" in str(path):
                errors.append(f"{name}: path {path!r} is outside the package folder")
            elif not _inside(base / relative, base):
                errors.append(f"{name}: path {path!r} is a link to a file outside the package folder")
            elif (base / relative).exists():
                try:
                    data = regular_file_bytes(base / relative, MAX_RESOURCE_BYTES, "resource")
                except BaocaoError as error:
                    errors.append(f"{name}: {error}")
                else:
                    if len(parts) == 1:
                        contents[index] = (len(data), hashlib.sha256(data).hexdigest())
    if errors:
        return ValidationReport(descriptor_path, False, errors)
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
    for index, resource in enumerate(resources):
        name = resource.get("name")
        if index not in contents:
            continue
        size, sha256 = contents[index]
        if "rowCount" in resource and rows.get(name) is not None and rows[name] != resource["rowCount"]:
            errors.append(f"{name}: row count {rows[name]} read, {resource['rowCount']} declared")
        if "hash" in resource and sha256 != str(resource["hash"]).split(":")[-1]:
            errors.append(f"{name}: sha256 differs from the hash declared in datapackage.json")
        if "bytes" in resource and size != resource["bytes"]:
            errors.append(f"{name}: {size} bytes, {resource['bytes']} declared")
    # baocao's own checks first: a lost row explains the foreign-key errors that follow from it
    errors += library_errors
    return ValidationReport(descriptor_path, not errors, errors, rows)
