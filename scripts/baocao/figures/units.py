"""Unit conversion, written once: a value in one unit, in another of the same base unit.

Units carry their multiplier to a base unit (metadata/units.yaml: tỷ đồng = 10⁹ VND,
triệu USD = 10⁶ USD). Python code converts with ``convert``; the SQLite views with the
expression ``convert_sql`` writes, which computes the same.
"""

from __future__ import annotations

from decimal import Decimal


def convert(value: Decimal, from_multiplier: int | float | Decimal, to_multiplier: int | float | Decimal) -> Decimal:
    """``value`` given in a unit of ``from_multiplier``, in the unit of ``to_multiplier`` (same base unit)."""
    return value * Decimal(str(from_multiplier)) / Decimal(str(to_multiplier))


def convert_sql(value: str, from_multiplier: str, to_multiplier: str) -> str:
    """The SQL expression of ``convert`` over columns (or expressions) of a query."""
    return f"{value} * {from_multiplier} / {to_multiplier}"


def split_ref(ref: str) -> tuple[str, str]:
    """A reference to an indicator's measure, as metadata writes it: ``grdp.change_pct`` → ("grdp",
    "change_pct"); ``grdp`` alone is its ``value``."""
    indicator_id, _, measure = ref.partition(".")
    return indicator_id, measure or "value"
