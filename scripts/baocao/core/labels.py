"""metadata/labels.yaml: the text the build writes that no report states, read once per metadata folder."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from baocao.core.metadata import Metadata

_read: weakref.WeakKeyDictionary[Metadata, dict[str, Any]] = weakref.WeakKeyDictionary()


def labels(metadata: Metadata) -> dict[str, Any]:
    """The labels of ``metadata``'s folder (checked against schemas/labels.schema.json)."""
    if metadata not in _read:
        _read[metadata] = metadata.load("labels.yaml")
    return _read[metadata]
