"""Consistency checks: where a report's figures agree with each other, and where the report contradicts itself.

Automatic checks: value / plan (estimate, total, target) × 100 against the
percentage the report states, and an indicator with ``sum_of_children`` against
the sum of its components. The catalog's own checks (``checks:`` in
metadata/indicators/) add sums (``sum``: the parts add up to the total;
``sum_le``: they do not exceed it) and ratios. Each result publishes the figure
the report states (``expected``), the one recomputed from its other figures
(``actual``) and their difference; the descriptions come from metadata/messages.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from baocao.core.errors import BaocaoError
from baocao.curation.catalog import Catalog, catalog_of
from baocao.curation.observation import Observation
from baocao.figures.units import convert, split_ref
from baocao.reading.numbers import parse_number

# the automatic ratio checks: (denominator measure, percentage measure); their text is messages.yaml's checks
RATIOS = (
    ("plan", "pct_of_plan"),
    ("estimate", "pct_of_estimate"),
    ("total", "pct_of_total"),
    ("target", "pct_of_target"),
)


@dataclass
class CheckResult:
    id: str
    kind: str
    description_vi: str
    description_en: str
    formula: str
    expected: Decimal
    actual: Decimal
    tolerance: Decimal
    observations: list[tuple[str, str]]

    @property
    def difference(self) -> Decimal:
        return self.actual - self.expected

    @property
    def status(self) -> str:
        if self.kind == "sum_le":  # the parts may fall short of the total, not exceed it
            return "pass" if self.difference <= self.tolerance else "fail"
        return "pass" if abs(self.difference) <= self.tolerance else "fail"


def unit_of_last_digit(text: str) -> Decimal:
    """What one unit of the last printed digit is worth: 1 for 4.128 (Vietnamese thousands), 0.01 for 5,45."""
    decimals = (
        len(re.split(r"[,]", text)[1])
        if "," in text
        else (len(text.split(".")[1]) if parse_number(text).notation == "en" else 0)
    )
    return Decimal(1).scaleb(-decimals)


class Checker:
    def __init__(self, metadata: Any, catalog: Catalog | None = None):
        """``metadata``: a ``baocao.core.metadata.Metadata``; ``catalog``: its whole catalog unless given."""
        self.catalog = catalog or catalog_of(metadata)
        self.units = {u.id: u for u in metadata.units}
        self.messages = metadata.messages["checks"]

    def run(self, observations: list[Observation], layout: str | None = None) -> list[CheckResult]:
        """The automatic checks, and the catalog's checks written for this report's layout (or for any).

        Each observation a check uses is marked checked, and given the ids of the checks it fails.
        """
        by_key = {(o.indicator_id, o.measure): o for o in observations}
        results = self._automatic(by_key, layout) + self._written(by_key, layout)
        for result in results:
            for key in result.observations:
                observation = by_key[key]
                observation.checked = True
                if result.status == "fail":
                    observation.failed_checks.append(result.id)
        return results

    def _automatic(self, by_key: dict[tuple[str, str], Observation], layout: str | None) -> list[CheckResult]:
        results = []
        for indicator in self.catalog.indicators.values():
            iid = indicator.id
            for denominator, percentage in RATIOS:
                if all((iid, m) in by_key for m in ("value", denominator, percentage)):
                    text = self.messages[denominator]
                    result = self._ratio(
                        f"{iid}.{percentage}",
                        by_key[(iid, "value")],
                        by_key[(iid, denominator)],
                        by_key[(iid, percentage)],
                        (text["vi"], text["en"]),
                        None,
                    )
                    results.extend([result] if result else [])
            if indicator.sum_of_children:
                results.extend(self._children(indicator, by_key))
        return self._unwritten(results, layout)

    def _children(self, indicator: Any, by_key: dict[tuple[str, str], Observation]) -> list[CheckResult]:
        """A total against its components (all of them: equal; some: no more than the total), and the
        components' shares against the total's share (or 100 for a whole with no parent)."""
        iid, results = indicator.id, []
        children = [c for c in self.catalog.indicators.values() if c.parent == iid]
        parent = by_key.get((iid, "value"))
        parts = [by_key[(c.id, "value")] for c in children if (c.id, "value") in by_key]
        if parent and parts:
            kind, text = (
                ("sum", self.messages["children"])
                if len(parts) == len(children)
                else ("sum_le", self.messages["some_children"])
            )
            results.append(self._sum(f"{iid}.children", kind, parent, parts, (text["vi"], text["en"]), None))
        shares = [by_key[(c.id, "share_pct")] for c in children if (c.id, "share_pct") in by_key]
        whole = by_key.get((iid, "share_pct")) if indicator.parent else Decimal(100)
        if children and len(shares) == len(children) and whole is not None:
            text = self.messages["shares"]
            results.append(self._sum(f"{iid}.shares", "sum", whole, shares, (text["vi"], text["en"]), None))
        return results

    def _unwritten(self, results: list[CheckResult], layout: str | None) -> list[CheckResult]:
        """The automatic checks that no check of the catalog written for this report already makes with the
        same figures."""
        written = {frozenset(self._refs(c)) for c in self.catalog.checks if c["report"] in (None, layout)}
        return [r for r in results if frozenset(r.observations) not in written]

    @staticmethod
    def _refs(check: dict[str, Any]) -> list[tuple[str, str]]:
        refs = [check.get(k) for k in ("numerator", "denominator", "result", "total")] + list(check.get("parts", []))
        return [split_ref(ref) for ref in refs if isinstance(ref, str)]

    def _written(self, by_key: dict[tuple[str, str], Observation], layout: str | None) -> list[CheckResult]:
        results = []
        for check in self.catalog.checks:
            if check["report"] not in (None, layout):
                continue

            def get(ref: str, check: dict = check) -> Observation:
                observation = by_key.get(split_ref(ref))
                if observation is None:
                    raise BaocaoError(f"{ref!r} is not an observation", f"{check['file']}: check {check['id']}")
                return observation

            tolerance = Decimal(str(check["tolerance"])) if "tolerance" in check else None
            text = (check["description_vi"], check["description_en"])
            if check["kind"] == "ratio":
                parts = (get(check["numerator"]), get(check["denominator"]), get(check["result"]))
                result = self._ratio(check["id"], *parts, text, tolerance)
                results.extend([result] if result else [])
            else:
                total = check["total"]
                total = get(total) if isinstance(total, str) else Decimal(str(total))
                parts = [get(p) for p in check["parts"]]
                results.append(self._sum(check["id"], check["kind"], total, parts, text, tolerance))
        return results

    def _value_in(self, observation: Observation, unit: str) -> Decimal:
        source, target = self.units[observation.unit_id], self.units[unit]
        return convert(observation.value, source.multiplier, target.multiplier)

    def _ratio(
        self,
        check_id: str,
        num: Observation,
        den: Observation,
        result: Observation,
        text: tuple[str, str],
        tolerance: Decimal | None,
    ) -> CheckResult | None:
        """numerator / denominator × 100 against the stated percentage; None when the denominator is 0."""
        if den.value == 0:
            return None
        actual = self._value_in(num, den.unit_id) / den.value * 100
        return CheckResult(
            check_id,
            "ratio",
            *text,
            f"{num.indicator_id}.{num.measure} / {den.indicator_id}.{den.measure} × 100 = "
            f"{result.indicator_id}.{result.measure}",
            result.value,
            actual.quantize(Decimal("0.01")),
            tolerance if tolerance is not None else unit_of_last_digit(result.value_text),
            [(o.indicator_id, o.measure) for o in (num, den, result)],
        )

    def _sum(
        self,
        check_id: str,
        kind: str,
        total: Observation | Decimal,
        parts: list[Observation],
        text: tuple[str, str],
        tolerance: Decimal | None,
    ) -> CheckResult:
        """The parts' sum (``actual``) against the total (``expected``), in the total's unit."""
        stated = total if isinstance(total, Observation) else None
        unit = stated.unit_id if stated else parts[0].unit_id
        actual = sum((self._value_in(p, unit) for p in parts), Decimal(0))
        if tolerance is None:
            # rounding explains half a unit of the last printed digit per figure; counts are exact
            figures = parts + ([stated] if stated else [])
            tolerance = sum(
                (unit_of_last_digit(f.value_text) / 2 for f in figures if self.units[f.unit_id].quantity != "count"),
                Decimal(0),
            )
        names = " + ".join(f"{p.indicator_id}.{p.measure}" for p in parts)
        target = f"{stated.indicator_id}.{stated.measure}" if stated else str(total)
        operator = "=" if kind == "sum" else "≤"
        return CheckResult(
            check_id,
            kind,
            *text,
            f"{names} {operator} {target}",
            stated.value if stated else total,
            actual,
            tolerance,
            [(p.indicator_id, p.measure) for p in parts] + ([(stated.indicator_id, stated.measure)] if stated else []),
        )
