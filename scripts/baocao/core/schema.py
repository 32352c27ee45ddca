"""Metadata files read from YAML and checked against their JSON Schema (baocao/schemas/NAME.schema.json).

Every file under metadata/ has one schema, and the indicator files under
metadata/indicators/ share ``indicators.schema.json``. A file that breaks its
schema is refused with one line: the file, the place as a JSON path, and the
reason. What a schema cannot say (an id used twice, a unit that is not in
units.yaml, a pattern that is not a regular expression) is checked where the
file is used.
"""

from __future__ import annotations

import datetime
import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from baocao.core.errors import BaocaoError

# libyaml's loader when PyYAML was built with it: the same safe subset, several times faster
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TYPES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "empty",
}


def schema_name(path: Path) -> str:
    """The schema of a metadata file: its own name, or that of its folder (indicators/, vocabulary/,
    locators/ and a layout's folder in it)."""
    if path.parent.name in ("indicators", "vocabulary"):
        return path.parent.name
    if "locators" in (path.parent.name, path.parent.parent.name):
        return "locators"
    return path.stem


def label(path: Path, kind: str | None = None) -> str:
    """How messages name a metadata file: metadata/units.yaml, metadata/indicators/economy.yaml."""
    if (kind or schema_name(path)) == "indicators":
        return f"metadata/indicators/{path.name}"
    if path.parent.name == "vocabulary":
        return f"metadata/vocabulary/{path.name}"
    if (kind or schema_name(path)) == "locators":
        folder = "locators" if path.parent.name == "locators" else f"locators/{path.parent.name}"
        return f"metadata/{folder}/{path.name}"
    return f"metadata/{path.name}"


@functools.cache
def schema(name: str) -> dict[str, Any] | None:
    """The JSON Schema of one kind of metadata file, or None for a file that has none."""
    source = resources.files("baocao") / "schemas" / f"{name}.schema.json"
    if not source.is_file():
        return None
    return json.loads(source.read_text(encoding="utf-8"))


@functools.cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    document = schema(name)
    cls = jsonschema.validators.validator_for(document)
    cls.check_schema(document)
    return cls(document)


def _json(data: Any) -> Any:
    """The YAML data as JSON sees it: dates (2024-06-30) as ISO text."""
    if isinstance(data, dict):
        return {str(k) if not isinstance(k, str) else k: _json(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_json(v) for v in data]
    if isinstance(data, datetime.date):
        return data.isoformat()
    return data


def _shown(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _reason(error: jsonschema.ValidationError) -> str:
    """The reason in words a person who edits the YAML file can act on."""
    keyword, instance, expected = error.validator, error.instance, error.validator_value
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in instance if k not in known)
        if extra:
            # a ", " inside an unquoted YAML flow value splits it into a bogus key
            return f"unknown key {extra[0]!r} (quote values that hold ', ')"
    if keyword == "required" and isinstance(instance, dict):
        missing = sorted(k for k in expected if k not in instance)
        return f"lacks {missing[0]!r}"
    if keyword == "type":
        wanted = " or ".join(_TYPES[t] for t in ([expected] if isinstance(expected, str) else expected))
        return f"must be {wanted}, not {_shown(instance)}"
    if keyword == "enum":
        return f"must be one of {', '.join(map(str, expected))}, not {_shown(instance)}"
    if keyword == "minItems":
        return "must not be an empty list"
    if keyword in ("pattern", "minLength") and "x-message" in error.schema:
        return f"{error.schema['x-message']}, not {_shown(instance)}"
    return error.message


def _place(error: jsonschema.ValidationError, data: Any) -> str:
    """The JSON path of the fault, and the id of the item it lies in, if any: $.indicators[3].unit (grdp)."""
    item_id, node = None, data
    for step in error.absolute_path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            item_id = node["id"]
    path = error.json_path
    return f"{path} ({item_id})" if item_id else path


def check(path: Path, data: Any, kind: str | None = None) -> None:
    """Refuse ``data`` read from ``path`` in one line if it breaks its schema (``kind``, or the file's own)."""
    name = kind or schema_name(path)
    if schema(name) is None:
        return
    document = _json(data)
    error = jsonschema.exceptions.best_match(_validator(name).iter_errors(document))
    if error is None:
        return
    place = _place(error, document)
    where = label(path, name) if place == "$" else f"{label(path, name)}: {place}"
    raise BaocaoError(_reason(error), where)


def load_yaml(path: Path, kind: str | None = None) -> Any:
    """A metadata file's data, checked against its schema (that of ``kind``, or the file's own).

    Any fault is one line naming the file.
    """
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_LOADER)
    except FileNotFoundError:
        raise BaocaoError("missing metadata file", path) from None
    except IsADirectoryError:
        raise BaocaoError("is a folder, not a metadata file", path) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise BaocaoError(f"{place}malformed YAML ({problem})", path) from None
    except UnicodeDecodeError:
        raise BaocaoError("not UTF-8 text", path) from None
    except OSError as error:
        raise BaocaoError(f"cannot be read ({error.strerror})", path) from None
    check(path, data, kind)
    return data
