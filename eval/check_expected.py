"""Self-check of the evaluation set, independent of baocao (it must not import it).

For every eval/NAME.yaml beside its NAME.txt:

- the yaml parses and has the keys of eval/README.md;
- indicator, measure and unit ids are in the evaluation vocabulary below;
- periods are [start, end] ISO dates;
- each fact's `value` is a number printed in the text (Vietnamese notation:
  `4.128` = 4128, `1.040,1` = 1040.1, `5,45` = 5.45);
- each `not_figures` string occurs in the text;
- the report has 25-80 lines and 15-40 facts.

`--unused` also lists, per report, the numbers of the text that no fact uses,
for a human to confirm that each is deliberately left out (dates, document
numbers, figures outside the vocabulary, plans for the next period).

    .venv/bin/python eval/check_expected.py [--unused] [NAME ...]
"""

from __future__ import annotations

import datetime
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

STYLES = {"ubnd-quarter", "ubnd-9m", "ubnd-year", "ubnd-h1", "stats-monthly", "stats-quarter", "news", "national"}
ISSUERS = {"ubnd", "statistics_office", "newspaper", "gso"}
MEASURES = {
    "value", "change_pct", "change_pct_previous_month", "change_pct_start_of_year", "pct_of_same_period",
    "pct_of_plan", "pct_of_estimate", "pct_of_central_estimate", "pct_of_target", "pct_of_scenario",
    "share_pct", "plan", "rank", "change_abs",
}
INDICATORS = {
    "grdp", "grdp_current_prices", "va_agriculture", "va_industry_construction", "va_services", "product_taxes",
    "grdp_per_capita", "industrial_production_index", "ind_industrial_production_value",
    "trd_retail_sales_services_revenue", "cpi", "export_turnover", "import_turnover", "trd_export_import_turnover",
    "trade_balance", "trd_tourists", "trd_tourism_revenue", "bud_revenue_total", "bud_revenue_domestic",
    "bud_revenue_import_export", "bud_expenditure_total", "bud_expenditure_investment", "bud_expenditure_recurrent",
    "ind_public_investment", "ind_total_social_investment", "fdi_registered_capital", "fdi_new_projects",
    "ent_new_enterprises", "ent_new_enterprises_capital", "ent_enterprises_dissolved", "ent_enterprises_resumed",
    "ent_coop_new", "bnk_deposits", "bnk_credit_outstanding", "bad_debt_ratio", "agr_food_output", "agr_rice_area",
    "agr_rice_yield", "agr_rice_output", "agr_maize_area", "agr_maize_output", "agr_forest_planting_area",
    "agr_buffalo_herd", "agr_cattle_herd", "agr_pig_herd", "agr_poultry_flock", "ntm_communes_meeting_standard",
    "ntm_ocop_products", "lab_jobs_created", "poverty_rate", "health_insurance_coverage",
}
UNITS = {
    "percent", "ty_dong", "nghin_ty_dong", "trieu_ty_dong", "trieu_dong", "dong", "usd", "trieu_usd", "ty_usd", "ha",
    "nghin_ha", "tan", "nghin_tan", "ta_per_ha", "con", "nghin_con", "luot", "nghin_luot", "trieu_luot", "nguoi",
    "lao_dong", "ho", "xa", "doanh_nghiep", "htx", "du_an", "san_pham", "trieu_dong_per_nguoi",
    "thu_hang",  # the unit metadata/measures.yaml gives the measure `rank`
}
PERCENT_MEASURES = MEASURES - {"value", "plan", "change_abs", "rank"}

NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\d,]|\.\d)|(?<![\d.,])\d+(?:,\d+)?(?![\d,]|\.\d)")


def parse_vi(token: str) -> float:
    return float(token.replace(".", "").replace(",", "."))


def numbers(text: str) -> list[tuple[int, str, float]]:
    """(line number, token, value) of each number printed in the text."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in NUMBER.finditer(line.replace("\u00a0", " ")):
            found.append((number, match.group(), parse_vi(match.group())))
    return found


def is_period(period) -> bool:
    if not (isinstance(period, list) and len(period) == 2):
        return False
    try:
        start, end = (p if isinstance(p, datetime.date) else datetime.date.fromisoformat(str(p)) for p in period)
    except ValueError:
        return False
    return start <= end


def check(name: str, show_unused: bool) -> tuple[int, list[str]]:
    errors = []
    text = (HERE / f"{name}.txt").read_bytes().decode("utf-8")
    spec = yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8"))
    for key in ("style", "province", "issuer", "period", "facts"):
        if key not in spec:
            errors.append(f"missing key {key}")
    if spec.get("style") not in STYLES:
        errors.append(f"style {spec.get('style')!r}")
    if spec.get("issuer") not in ISSUERS:
        errors.append(f"issuer {spec.get('issuer')!r}")
    if not is_period(spec.get("period")):
        errors.append(f"period {spec.get('period')!r}")
    lines = len(text.splitlines())
    if not 25 <= lines <= 80:
        errors.append(f"{lines} lines")
    facts = spec.get("facts") or []
    if not 15 <= len(facts) <= 40:
        errors.append(f"{len(facts)} facts")
    printed = numbers(text)
    values = {v for _, _, v in printed}
    used = set()
    seen = set()
    for fact in facts:
        label = f"{fact.get('indicator')}/{fact.get('measure')}={fact.get('value')}"
        if fact.get("indicator") not in INDICATORS:
            errors.append(f"{label}: indicator")
        if fact.get("measure") not in MEASURES:
            errors.append(f"{label}: measure")
        if fact.get("unit") not in UNITS:
            errors.append(f"{label}: unit {fact.get('unit')!r}")
        if fact.get("measure") in PERCENT_MEASURES and fact.get("unit") != "percent":
            errors.append(f"{label}: a {fact['measure']} is in percent")
        if "period" in fact and not is_period(fact["period"]):
            errors.append(f"{label}: period {fact['period']!r}")
        value = fact.get("value")
        if not isinstance(value, (int, float)) or value < 0:
            errors.append(f"{label}: value must be a non-negative number")
        elif not any(abs(value - v) < 1e-9 for v in values):
            errors.append(f"{label}: value not printed in the text")
        else:
            used.add(float(value))
        key = (fact.get("indicator"), fact.get("measure"), str(fact.get("period", spec.get("period"))), fact.get("unit"))
        if key in seen:
            errors.append(f"{label}: a second fact with the same indicator, measure, period and unit")
        seen.add(key)
    for string in spec.get("not_figures") or []:
        if string not in text.replace("\u00a0", " ") and string not in text:
            errors.append(f"not_figures {string!r} not in the text")
    if show_unused:
        for number, token, value in printed:
            if value not in used:
                print(f"  {name}:{number}: {token}")
    return len(facts), errors


def main(argv: list[str]) -> int:
    show_unused = "--unused" in argv
    names = [a for a in argv if not a.startswith("--")] or sorted(p.stem for p in HERE.glob("*.yaml"))
    total = 0
    failed = 0
    for name in names:
        count, errors = check(name, show_unused)
        total += count
        status = "ok" if not errors else "FAIL"
        print(f"{name}: {count} facts {status}")
        for error in errors:
            print(f"  - {error}")
        failed += bool(errors)
    print(f"{len(names)} reports, {total} facts, {failed} failing")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
