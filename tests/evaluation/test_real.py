"""The real-text scorer (`baocao eval-real`) on a text and facts written for this test, with invented figures:
strict and loose scores, provenance, the cause of each missed fact, missing and changed texts."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

TEXT = (
    "Báo cáo tình hình kinh tế - xã hội tỉnh Yên Bái 9 tháng năm 2031\n\n"
    "Tổng sản phẩm trên địa bàn tỉnh (GRDP) 9 tháng năm 2031 ước tăng 7,13% so với cùng kỳ năm trước. "
    "Tổng thu ngân sách nhà nước trên địa bàn đạt 2.345,6 tỷ đồng, bằng 71,2% dự toán.\n"
)
FACTS = """style: news
province: Yên Bái
issuer: newspaper
period: [2031-01-01, 2031-09-30]
facts:
  - {indicator: grdp, measure: change_pct, value: 7.13, unit: percent, printed: "7,13",
     period: [2031-07-01, 2031-09-30]}
  - {indicator: bud_revenue_total, measure: value, value: 2345.6, unit: ty_dong, printed: "2.345,6"}
  - {indicator: bud_revenue_total, measure: pct_of_estimate, value: 71.2, unit: percent, printed: "71,2"}
"""


def _eval_real(folder: Path, texts: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "baocao", "eval-real", str(folder), "--texts", str(texts), *flags],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _set(tmp_path: Path, sha256: str) -> tuple[Path, Path]:
    folder, texts = tmp_path / "real", tmp_path / "texts"
    texts.mkdir(parents=True)
    folder.mkdir()
    (texts / "yen-bai-2031-9m-news.txt").write_text(TEXT, encoding="utf-8")
    (folder / "yen-bai-2031-9m-news.yaml").write_text(FACTS, encoding="utf-8")
    (folder / "lao-cai-2031-h1-news.yaml").write_text(FACTS.replace("Yên Bái", "Lào Cai"), encoding="utf-8")
    (folder / "SOURCES.md").write_text(
        "| name | title | address | province | period | kind | length | sha256 | query |\n"
        "|---|---|---|---|---|---|---:|---|---|\n"
        f"| yen-bai-2031-9m-news | t | https://example.org/a | Yên Bái | 2031-01-01/2031-09-30 | news | 1 "
        f"| {sha256} | q |\n",
        encoding="utf-8",
    )
    return folder, texts


def _row(output: str, name: str) -> list[str]:
    return next(line for line in output.splitlines() if line.startswith(name)).split()


def test_eval_real_scores_strictly_with_the_period_and_loosely_without_it(tmp_path):
    folder, texts = _set(tmp_path, hashlib.sha256(TEXT.encode()).hexdigest())
    result = _eval_real(folder, texts, "-v")
    assert result.returncode == 0, result.stderr
    row = _row(result.stdout, "yen-bai-2031-9m-news")
    # the reader dates the growth to the nine months; the facts say the quarter: right loosely, not strictly
    assert row[1:8] == ["3", "3", "2", "66.7%", "66.7%", "100.0%", "100.0%"]
    assert row[8] == "right" and "text changed" not in result.stdout
    assert "missed  grdp change_pct 2031-07-01 2031-09-30 7.13 percent [7,13]: wrong period" in result.stdout
    assert "wrong   grdp change_pct 2031-01-01 2031-09-30 7.13 percent" in result.stdout
    assert "1 wrong period" in " ".join(result.stdout.split())
    assert f"1 text(s) missing from {texts}: lao-cai-2031-h1-news" in result.stdout


def test_eval_real_flags_a_text_that_is_not_the_one_the_facts_were_written_on(tmp_path):
    folder, texts = _set(tmp_path, "0" * 64)
    result = _eval_real(folder, texts)
    assert "(text changed)" in _row(result.stdout, "yen-bai-2031-9m-news")[-1] + result.stdout
    (texts / "yen-bai-2031-9m-news.txt").write_text(TEXT.replace("71,2", "61,2"), encoding="utf-8")
    assert "(not in text: ['71,2'])" in _eval_real(folder, texts).stdout


def test_eval_real_reads_a_text_again_with_the_flag_it_asked_for(tmp_path):
    folder, texts = _set(tmp_path, "")
    (texts / "yen-bai-2031-9m-news.txt").write_text(TEXT.replace(" tỉnh Yên Bái", ""), encoding="utf-8")
    row = _row(_eval_real(folder, texts).stdout, "yen-bai-2031-9m-news")
    assert row[8:] == ["asked;", "asked", "--province"]
    assert row[3] == "2"  # the figures are scored once the province is given


def test_eval_real_counts_apart_the_measures_the_facts_do_not_record(tmp_path):
    folder, texts = _set(tmp_path, "")
    (texts / "yen-bai-2031-9m-news.txt").write_text(
        TEXT + "Kế hoạch vốn đầu tư công năm 2031 là 4.321,5 tỷ đồng.\n", encoding="utf-8"
    )
    result = _eval_real(folder, texts)
    assert _row(result.stdout, "yen-bai-2031-9m-news")[2] == "3"  # the plan is not among the scored observations
    assert "1 observations of measures the facts do not record" in result.stdout
