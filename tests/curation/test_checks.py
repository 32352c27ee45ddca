"""The consistency checks publish what they compute, and their descriptions come from metadata/messages.yaml."""

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import yaml

from baocao.core import paths
from baocao.core.metadata import Metadata
from baocao.package.pipeline import run
from conftest import REPORT


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def recomputed_sums(package: Path) -> list[tuple[dict[str, str], Decimal]]:
    """Each published sum_le check, with the sum of its parts recomputed from the published observations."""
    observations = {(o["indicator_id"], o["measure"]): o for o in read_csv(package / "observations.csv")}
    multiplier = {u["unit_id"]: Decimal(u["multiplier"]) for u in read_csv(package / "units.csv")}
    out = []
    for check in read_csv(package / "checks.csv"):
        if check["kind"] != "sum_le":
            continue
        parts, total = check["formula"].split(" ≤ ")
        unit = observations[tuple(total.split("."))]["unit_id"]
        recomputed = Decimal(0)
        for part in parts.split(" + "):
            observation = observations[tuple(part.split("."))]
            recomputed += Decimal(observation["value"]) * multiplier[observation["unit_id"]] / multiplier[unit]
        out.append((check, recomputed))
    return out


def test_a_passing_sum_le_check_publishes_the_sum_of_its_parts_not_the_total():
    checks = recomputed_sums(paths.DATAPACKAGE)
    assert checks, "the package has sum_le checks"
    for check, recomputed in checks:
        assert Decimal(check["actual"]) == recomputed, check["check_id"]
        assert Decimal(check["difference"]) == Decimal(check["actual"]) - Decimal(check["expected"])
        assert check["status"] == (
            "pass" if recomputed - Decimal(check["expected"]) <= Decimal(check["tolerance"]) else "fail"
        )
    # parts that fall short of their total: a copied total would show a difference of 0 here
    short = [c for c, recomputed in checks if c["status"] == "pass" and recomputed < Decimal(c["expected"])]
    assert short and all(Decimal(c["difference"]) < 0 for c in short)


def test_check_descriptions_are_read_from_messages_yaml(tmp_path):
    metadata = tmp_path / "metadata"
    shutil.copytree(paths.METADATA, metadata)
    messages = yaml.safe_load((metadata / "messages.yaml").read_text(encoding="utf-8"))
    messages["checks"]["children"] = {"vi": "Cộng các phần (thử)", "en": "Sum of the parts (test)"}
    (metadata / "messages.yaml").write_text(yaml.safe_dump(messages, allow_unicode=True), encoding="utf-8")
    [report] = run([REPORT], Metadata(metadata))
    children = [c for c in report.checks if c.id.endswith(".children")]
    assert children and all(
        (c.description_vi, c.description_en) == ("Cộng các phần (thử)", "Sum of the parts (test)") for c in children
    )
    plan = [c for c in report.checks if c.id.endswith(".pct_of_plan")]
    expected = yaml.safe_load((paths.METADATA / "messages.yaml").read_text(encoding="utf-8"))["checks"]["plan"]
    assert plan and all((c.description_vi, c.description_en) == (expected["vi"], expected["en"]) for c in plan)
