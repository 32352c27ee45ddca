"""Constructions that texts published on the web taught the reader, each pinned on sentences written for this
test with invented figures (the real texts stay outside git: eval/real/README.md)."""

from __future__ import annotations

import pytest

from baocao.core.metadata import Metadata
from baocao.package.pipeline import run
from baocao.reading.report_period import period_of


@pytest.fixture(scope="module")
def metadata():
    return Metadata()


@pytest.fixture
def read(tmp_path, metadata):
    def read(text: str, **overrides: str):
        path = tmp_path / "r.txt"
        path.write_text(f"{text}\n", encoding="utf-8")
        [report] = run([path], metadata, generic_only=True, overrides=overrides or None)
        return report

    return read


def observed(report) -> set[tuple]:
    return {(o.indicator_id, o.measure, o.period_start, o.period_end, o.value_text) for o in report.observations}


def of(report, value_text: str):
    [found] = [s for s in report.statements if report.mentions[s.mention_index].value_text == value_text]
    return found


# --- the report's period and province ---


@pytest.mark.parametrize(
    "text, period",
    [
        # a comparison base before the cumulative months
        ("So với tháng 12-2026, CPI tháng 5 tăng 1,1%. Bình quân 5 tháng đầu năm 2027, CPI tăng 3,2%.", "2027-01/05"),
        # a price base
        ("GRDP (giá so sánh năm 2010) ước tăng 7,2%. Tính chung 6 tháng đầu năm 2027, thu ngân sách", "2027-01/06"),
        # a year something started
        ("Từ năm 1992 đến nay, tỉnh đã phát triển. Năm 2027, tổng sản phẩm tăng 8,1%.", "2027-01/12"),
        # a bracket about last year, before the period of the text
        (
            "Dịch vụ chiếm 41,2% (cơ cấu tương ứng của 6 tháng đầu năm 2026 là 40,1%). Quý II/2027 GRDP tăng",
            "2027-04/06",
        ),
        # ã written for ă
        ("Tình hình kinh tế - xã hội 6 tháng đầu nãm 2027 tỉnh Bình Định", "2027-01/06"),
    ],
)
def test_the_report_period_is_never_a_comparison_a_price_base_or_a_start(text, period):
    found = period_of(text)
    assert (found.start[:7], found.end[5:7]) == (period[:7], period[8:])


@pytest.mark.parametrize(
    "text, period",
    [
        ("Tình hình kinh tế - xã hội tháng 8 năm 2027. Tính chung 8 tháng năm 2027, IIP tăng 5,1%.", "2027-01/08"),
        (
            "Tại phiên họp tháng 5/2027, Sở Tài chính cho biết thu ngân sách tháng 5 tăng. Lũy kế 5 tháng, IIP tăng",
            "2027-01/05",
        ),
        ("IIP quý III/2027 giảm 2,1% so với quý trước; tính chung 9 tháng năm 2027, IIP vẫn tăng 4,4%.", "2027-01/09"),
        # a December release that also gives the year's average stays a month's release
        ("Giá cả thị trường tháng 12 năm 2027: CPI tăng 0,2%; bình quân năm 2027, CPI tăng 3,1%.", "2027-12/12"),
        ("Giá cả thị trường tháng 4 năm 2027 ổn định.", "2027-04/04"),
    ],
)
def test_a_release_of_a_month_or_a_quarter_with_the_months_from_january_reports_on_those_months(text, period):
    found = period_of(text)
    assert (found.start[:7], found.end[5:7]) == (period[:7], period[8:])


def test_a_comparison_plan_names_no_period_so_the_reader_asks(read):
    from baocao.core.errors import BaocaoError

    with pytest.raises(BaocaoError, match="--period"):
        read("Tổng thu ngân sách 9 tháng của tỉnh Khánh Hòa đạt 1.234,5 tỷ đồng, đạt 98% kế hoạch năm 2027.")


def test_a_province_named_in_the_body_with_the_country_compared_is_the_province(read):
    report = read(
        "Thứ sáu - 29/03/2027 00:16\n\nI. TÌNH HÌNH KINH TẾ\n\n1. Tăng trưởng kinh tế\n\n"
        "Kinh tế tỉnh Nam Định quý I/2027 tăng trưởng 7,31% so với cùng kỳ, xếp thứ 6/11 tỉnh trong vùng "
        "và 14/63 cả nước."
    )
    assert (report.provenance["province"], report.provenance["period_end"]) == ("Nam Định", "2027-03-31")


def test_two_provinces_named_in_passing_leave_the_province_to_ask(read):
    from baocao.core.errors import BaocaoError

    with pytest.raises(BaocaoError, match="--province"):
        read(
            "Trong quý I năm 2027, tổng sản phẩm trên địa bàn tỉnh tăng 9,47%, chủ yếu nhờ khai thác quặng "
            "của công ty Hoàng Anh Gia Lai – Kon Tum."
        )


# --- the period and comparison of each figure ---


def test_a_quarter_written_in_figures_is_the_quarter_not_the_months_beside_it(read):
    report = read(
        "Tình hình kinh tế - xã hội 9 tháng năm 2027 thành phố Hà Nội\n\n"
        "Tổng sản phẩm trên địa bàn (GRDP) quý 3 ước tính tăng 6,16% so với cùng kỳ năm trước. "
        "Trong đó, khu vực dịch vụ tăng 6,58%. Tính chung 9 tháng năm 2027, GRDP ước tính tăng 6,22% so với cùng kỳ."
    )
    assert {
        ("grdp", "change_pct", "2027-07-01", "2027-09-30", "6,16"),
        ("va_services", "change_pct", "2027-07-01", "2027-09-30", "6,58"),
        ("grdp", "change_pct", None, None, "6,22"),
    } <= observed(report)


def test_a_comparison_written_before_the_figure_is_its_base(read):
    report = read(
        "Tình hình kinh tế - xã hội tháng 5 và 5 tháng năm 2027\n\n"
        "Chỉ số giá tiêu dùng (CPI) tháng 5 tăng 0,07% so với tháng trước. "
        "So với tháng 12-2026, CPI tháng 5 tăng 1,31% và so với cùng kỳ năm trước tăng 4,12%.",
        province="national",
    )
    assert of(report, "0,07").measure == "change_pct_previous_month"
    assert of(report, "1,31").measure == "change_pct_start_of_year"
    assert of(report, "4,12").measure == "change_pct"
    assert (of(report, "1,31").period_start, of(report, "1,31").period_end) == ("2027-05-01", "2027-05-31")


def test_the_previous_quarter_and_the_base_period_are_bases_of_their_own(read):
    report = read(
        "Tình hình kinh tế - xã hội 9 tháng năm 2027 tỉnh Quảng Nam\n\n"
        "Chỉ số sản xuất công nghiệp quý III/2027 giảm 19,5% so với quý trước và giảm 13,7% so với cùng kỳ. "
        "Chỉ số giá tiêu dùng tháng 9 tăng 12,3% so với kỳ gốc 2019."
    )
    assert {
        ("industrial_production_index", "change_pct_previous_quarter", "2027-07-01", "2027-09-30", "19,5"),
        ("industrial_production_index", "change_pct", "2027-07-01", "2027-09-30", "13,7"),
        ("cpi", "change_pct_base_period", "2027-09-01", "2027-09-30", "12,3"),
    } <= observed(report)


def test_a_sentence_that_goes_on_from_the_one_before_keeps_its_subject_and_period(read):
    report = read(
        "Tình hình kinh tế - xã hội tháng 10 và 10 tháng năm 2027 tỉnh Nghệ An\n\n"
        "Chỉ số sản xuất toàn ngành công nghiệp (IIP) tháng 10/2027 ước tăng 9,12% so với cùng tháng năm trước. "
        "Trong đó, ngành chế biến, chế tạo tăng 10,41%; ngành sản xuất và phân phối điện tăng 4,23%. "
        "Tính chung 10 tháng năm 2027, IIP tăng 8,36% so với cùng kỳ năm trước."
    )
    october = ("2027-10-01", "2027-10-31")
    assert {
        ("iip_manufacturing", "change_pct", *october, "10,41"),
        ("iip_electricity", "change_pct", *october, "4,23"),
        ("industrial_production_index", "change_pct", None, None, "8,36"),
    } <= observed(report)


# --- parts, contributions and neighbours ---


def test_contributions_to_growth_are_never_growth(read):
    report = read(
        "Tình hình kinh tế - xã hội 6 tháng đầu năm 2027 tỉnh Cần Thơ\n\n"
        "GRDP tăng 7,65%; trong đó khu vực dịch vụ tăng 7,21%, đóng góp 3,18 điểm phần trăm vào mức tăng chung; "
        "khu vực công nghiệp và xây dựng tăng 9,03%, đóng góp 46,3% vào mức tăng; "
        "thuế sản phẩm trừ trợ cấp sản phẩm tăng 3,5%, chiếm 0,39 điểm % mức tăng GRDP."
    )
    found = observed(report)
    assert {
        ("va_services", "change_pct", None, None, "7,21"),
        ("va_services", "contribution_pp", None, None, "3,18"),
        ("va_industry_construction", "change_pct", None, None, "9,03"),
        ("va_industry_construction", "contribution_share_pct", None, None, "46,3"),
        ("product_taxes", "contribution_pp", None, None, "0,39"),
    } <= found
    assert not {f for f in found if f[1] == "change_pct" and f[4] in ("3,18", "46,3", "0,39")}


def test_a_manufacturing_growth_in_the_grdp_paragraph_is_not_the_production_index(read):
    report = read(
        "Tình hình kinh tế - xã hội 9 tháng năm 2027 tỉnh Sơn La\n\n"
        "Khu vực công nghiệp - xây dựng tăng 9,46%, riêng ngành công nghiệp chế biến, chế tạo tăng 13,15%."
    )
    assert [f for f in observed(report) if f[4] == "13,15"] == []


def test_a_change_in_percentage_points_is_not_a_growth_rate(read):
    report = read(
        "Tình hình kinh tế - xã hội năm 2027 tỉnh Hà Giang\n\nTỷ lệ hộ nghèo giảm 1,23 điểm phần trăm so với năm trước."
    )
    assert of(report, "1,23").measure is None and of(report, "1,23").measure_reason == "percentage_points"


def test_a_province_in_a_bracket_of_comparison_is_not_the_one_the_text_is_about(read):
    report = read(
        "Theo Tổng cục Thống kê, tăng trưởng kinh tế quý I/2027 của tỉnh tăng 7,12% so cùng kỳ, đứng thứ 03/13 tỉnh, "
        "thành vùng Đồng bằng sông Cửu Long (sau tỉnh Hậu Giang và tỉnh Cà Mau). "
        "Theo UBND tỉnh Bạc Liêu, xuất khẩu tăng."
    )
    assert report.provenance["province"] == "Bạc Liêu"


def test_a_rank_in_a_region_is_not_the_rank_in_the_country(read):
    report = read(
        "Tình hình kinh tế - xã hội 6 tháng đầu năm 2027 tỉnh Quảng Ninh\n\n"
        "Tốc độ tăng trưởng kinh tế (GRDP) đứng thứ 4 vùng Đồng bằng sông Hồng và đứng thứ 8 cả nước; "
        "GRDP tăng 9,12%, xếp thứ 03/13 tỉnh, thành vùng Đồng bằng sông Cửu Long."
    )
    assert of(report, "4").measure_reason == "regional_rank" and of(report, "03").measure_reason == "regional_rank"
    assert ("grdp", "rank", None, None, "8") in observed(report)


def test_a_span_of_years_is_not_the_report_period(read):
    report = read(
        "Tình hình kinh tế - xã hội năm 2027 tỉnh Bình Thuận\n\n"
        "Giai đoạn 2021 - 2027 thu hút vốn đầu tư phát triển toàn xã hội đạt 225.137,5 tỷ đồng, "
        "tăng bình quân 11,23%/năm."
    )
    assert of(report, "225.137,5").reason == "multi_year_period"
    assert [f for f in observed(report) if f[4] == "225.137,5"] == []


def test_so_without_voi_is_a_comparison(read):
    report = read(
        "Tình hình kinh tế - xã hội tháng 8 và 8 tháng năm 2027 tỉnh Tây Ninh\n\n"
        "Chỉ số giá tiêu dùng (CPI) tháng 8 tăng 0,57% so tháng 7 và tăng 5,41% so tháng 12 năm trước. "
        "Thu ngân sách đạt 1.234,5 tỷ đồng, tăng 10,2% so cùng kỳ."
    )
    assert {
        ("cpi", "change_pct_previous_month", "2027-08-01", "2027-08-31", "0,57"),
        ("cpi", "change_pct_start_of_year", "2027-08-01", "2027-08-31", "5,41"),
        ("bud_revenue_total", "change_pct", None, None, "10,2"),
    } <= observed(report)


def test_a_month_release_names_its_months_to_date_and_its_month_compared_with_the_one_before(read):
    report = read(
        "Tình hình kinh tế - xã hội tháng 10 và 10 tháng năm 2027 tỉnh Bình Dương\n\n"
        "Kim ngạch xuất khẩu ước đạt 2,633 tỷ USD, tăng 7,3% so với tháng trước và tăng 10,6% so với cùng kỳ; "
        "lũy kế 10 tháng, kim ngạch xuất khẩu đạt 28,914 tỷ USD, tăng 9,7% so với cùng kỳ. "
        "Thu ngân sách lũy kế đến tháng 10 đạt 51.234 tỷ đồng. "
        "Tổng vốn FDI đăng ký tính đến ngày 20-10 đạt 2,11 tỷ USD."
    )
    october, to_date = ("2027-10-01", "2027-10-31"), ("2027-01-01", "2027-10-20")
    assert {
        ("export_turnover", "value", *october, "2,633"),
        ("export_turnover", "change_pct_previous_month", *october, "7,3"),
        ("export_turnover", "change_pct", *october, "10,6"),
        ("export_turnover", "value", None, None, "28,914"),
        ("export_turnover", "change_pct", None, None, "9,7"),
        ("bud_revenue_total", "value", None, None, "51.234"),
        ("fdi_registered_capital", "value", *to_date, "2,11"),
    } <= observed(report)
    assert of(report, "2,633").period_from == "implied"


def test_current_prices_after_the_figure_and_the_size_of_the_economy_are_not_constant_prices(read):
    title = "Tình hình kinh tế - xã hội năm 2027 tỉnh Thừa Thiên Huế\n\n"
    after = observed(read(f"{title}Tổng sản phẩm trong tỉnh (GRDP) ước đạt 73.456 tỷ đồng (giá hiện hành)."))
    size = observed(read(f"{title}Quy mô nền kinh tế cán mốc 128,5 nghìn tỷ đồng, xếp thứ 26/63 tỉnh, thành."))
    assert ("grdp_current_prices", "value", None, None, "73.456") in after
    assert {
        ("grdp_current_prices", "value", None, None, "128,5"),
        ("grdp_current_prices", "rank", None, None, "26"),
    } <= size
    assert not {f for f in after | size if f[0] == "grdp"}


def test_a_rise_over_a_scenario_is_a_gap_not_a_percent_of_it(read):
    report = read(
        "Tình hình kinh tế - xã hội 6 tháng đầu năm 2027 tỉnh Quảng Ninh\n\n"
        "Tốc độ tăng trưởng kinh tế (GRDP) 6 tháng đầu năm tăng 9,12% và tăng 0,03% so với kịch bản tăng trưởng."
    )
    assert of(report, "0,03").measure is None and of(report, "0,03").measure_reason == "excess_over_base"


def test_last_years_figure_beside_this_years_is_left_for_last_years_report(read):
    report = read(
        "Tình hình kinh tế - xã hội 6 tháng đầu năm 2027 tỉnh An Giang\n\n"
        "Tổng sản phẩm (GRDP) 6 tháng đầu năm 2027 tăng 6,43% (cùng kỳ năm 2026 tăng 5,79%). "
        "Chỉ số cải cách hành chính (PAR INDEX) năm 2026 của tỉnh đạt 84,24 điểm."
    )
    assert ("grdp", "change_pct", None, None, "6,43") in observed(report)
    assert of(report, "5,79").reason == "earlier_period"


@pytest.mark.parametrize(
    "glued, read_as",
    [
        ("Tỷ lệ giải ngân vốn đầu tư công đạt99,4% kế hoạch", "99,4"),
        ("Chỉ số giá tiêu dùng giảm2,6% so với cùng kỳ", "2,6"),
        ("Kim ngạch xuất khẩu đạt trên 25tỷ USD", "25"),
    ],
)
def test_a_number_glued_to_a_word_is_read(read, glued, read_as):
    report = read(f"Tình hình kinh tế - xã hội 9 tháng năm 2027 tỉnh Thái Nguyên\n\n{glued}.")
    assert read_as in [m.value_text for m in report.mentions]


def test_codes_with_digits_stay_whole():
    from baocao.core.normalize import unglue_numbers

    assert unglue_numbers("dịch cúm H5N1, mạng 4G, 1.200 m2, Covid-19, NQ-HĐND82") == (
        "dịch cúm H5N1, mạng 4G, 1.200 m2, Covid-19, NQ-HĐND82"
    )


def test_a_change_in_a_bracket_is_the_change_of_the_noun_before_it(read):
    report = read(
        "Tình hình kinh tế - xã hội 6 tháng đầu năm 2027 Thành phố Hồ Chí Minh\n\n"
        "Kinh tế của thành phố còn khó khăn do xuất nhập khẩu giảm ảnh hưởng đến thu ngân sách (giảm 6,3%), "
        "nhưng nhiều hoạt động khác chuyển biến tích cực."
    )
    assert ("bud_revenue_total", "change_pct", None, None, "6,3") in observed(report)


def test_revenue_compared_with_its_target_is_revenue_not_spending(read):
    report = read(
        "Tình hình kinh tế - xã hội 9 tháng năm 2027 tỉnh Bến Tre\n\n"
        "Công tác thu ngân sách đạt khá cao so với chỉ tiêu, ước đạt 4.812 tỷ đồng, tăng 18,4% so với cùng kỳ."
    )
    found = observed(report)
    assert ("bud_revenue_total", "value", None, None, "4.812") in found
    assert not {f for f in found if f[0] == "bud_expenditure_total"}


def test_a_subject_that_names_a_thing_of_its_own_does_not_borrow_the_sentences(read):
    report = read(
        "Tình hình kinh tế - xã hội tháng 11 và 11 tháng năm 2027 tỉnh Hà Giang\n\n"
        "Tổng dư nợ tín dụng đến 30/11 đạt 29.716 tỷ đồng, tăng 351 tỷ đồng so với tháng trước; doanh thu hoạt động "
        "vận tải và dịch vụ kho bãi ước đạt 79,51 tỷ đồng, tăng 24,21% so cùng kỳ."
    )
    assert of(report, "24,21").indicator_id is None
    assert ("bnk_credit_outstanding", "value", "2027-11-30", "2027-11-30", "29.716") in observed(report)


def test_branches_and_firms_entering_the_market_are_not_new_enterprises(read):
    report = read(
        "Tình hình kinh tế - xã hội năm 2027 tỉnh Hòa Bình\n\n"
        "Có 381 doanh nghiệp, chi nhánh thành lập mới với tổng số vốn đăng ký 2.512 tỷ đồng. "
        "Có 1.024 doanh nghiệp tham gia thị trường với số vốn đăng ký 2.351 tỷ đồng."
    )
    assert not {f for f in observed(report) if f[0].startswith("ent_new_enterprises")}


def test_a_sentence_opening_with_ngoai_ra_keeps_the_period_of_the_one_before(read):
    report = read(
        "Tình hình kinh tế - xã hội 9 tháng năm 2027 tỉnh Thanh Hóa\n\n"
        "Đến ngày 15/9, trên địa bàn tỉnh có 2.412 doanh nghiệp thành lập mới. "
        "Ngoài ra, có 636 doanh nghiệp đăng ký quay trở lại hoạt động."
    )
    to_date = ("2027-01-01", "2027-09-15")
    assert {
        ("ent_new_enterprises", "value", *to_date, "2.412"),
        ("ent_enterprises_resumed", "value", *to_date, "636"),
    } <= observed(report)


def test_a_list_binds_each_figure_to_its_item_in_order(read):
    report = read(
        "Tình hình kinh tế - xã hội 9 tháng năm 2027 tỉnh Long An\n\n"
        "Khu vực nông, lâm nghiệp và thủy sản, khu vực công nghiệp và xây dựng và khu vực dịch vụ tăng lần lượt là "
        "3,12%, 7,25% và 6,31%. Kim ngạch xuất khẩu và nhập khẩu đạt tương ứng 1.234,5 triệu USD và 987,6 triệu USD."
    )
    assert {
        ("va_agriculture", "change_pct", None, None, "3,12"),
        ("va_industry_construction", "change_pct", None, None, "7,25"),
        ("va_services", "change_pct", None, None, "6,31"),
        ("export_turnover", "value", None, None, "1.234,5"),
        ("import_turnover", "value", None, None, "987,6"),
    } <= observed(report)


def test_a_list_whose_items_cannot_be_counted_out_is_left_unresolved(read):
    report = read(
        "Tình hình kinh tế - xã hội 9 tháng năm 2027 tỉnh Long An\n\n"
        "Xuất khẩu và nhập khẩu tăng lần lượt là 3,14%, 4,21% và 5,37%."
    )
    assert {of(report, v).measure_reason for v in ("3,14", "4,21", "5,37")} == {"list_unmatched"}
    assert not {f for f in observed(report) if f[4] in ("3,14", "4,21", "5,37")}


def test_a_figure_of_a_district_or_city_inside_the_province_is_not_the_provinces(read):
    report = read(
        "Tình hình kinh tế - xã hội 6 tháng đầu năm 2027 tỉnh Quảng Ninh\n\n"
        "Tổng thu ngân sách nhà nước đạt 21.345 tỷ đồng; riêng thành phố Hạ Long thu ngân sách đạt 5.123 tỷ đồng. "
        "Tại huyện Vân Đồn, lượt khách du lịch đạt 412 nghìn lượt."
    )
    found = observed(report)
    assert ("bud_revenue_total", "value", None, None, "21.345") in found
    assert not {f for f in found if f[4] in ("5.123", "412")}
    assert {of(report, v).reason for v in ("5.123", "412")} == {"part_place"}


def test_a_city_that_is_the_province_is_the_province(read):
    report = read(
        "Tình hình kinh tế - xã hội 6 tháng đầu năm 2027 thành phố Đà Nẵng\n\n"
        "Trên địa bàn thành phố Đà Nẵng, tổng thu ngân sách nhà nước đạt 12.345 tỷ đồng."
    )
    assert ("bud_revenue_total", "value", None, None, "12.345") in observed(report)


def test_a_months_release_that_gives_no_months_from_january_asks_for_its_period(read):
    from baocao.core.errors import BaocaoError

    with pytest.raises(BaocaoError, match=r"--period \(2027-08 or 2027-8M\)"):
        read("Năm 2027\nTình hình kinh tế - xã hội tỉnh Tiền Giang tháng 8 năm 2027\n\nLúa gieo sạ 5.309 ha.")
    report = read(
        "Tình hình kinh tế - xã hội tỉnh Tiền Giang tháng 8 năm 2027\n\nLúa gieo sạ 5.309 ha.", period="2027-8M"
    )
    assert report.provenance["period_start"] == "2027-01-01"


def test_a_later_year_after_the_first_period_named_leaves_the_period_to_ask(read):
    from baocao.core.errors import BaocaoError

    with pytest.raises(BaocaoError, match="--period"):
        read(
            "Theo Cục Thống kê tỉnh Bà Rịa - Vũng Tàu, năm 2026 GRDP bình quân đầu người đạt 12.154 USD. "
            "Trong 9 tháng năm 2027, GRDP của tỉnh tăng 8,21%."
        )


def test_sector_amounts_after_the_size_at_current_prices_are_not_constant_prices(read):
    report = read(
        "Tình hình kinh tế - xã hội 6 tháng đầu năm 2027 tỉnh Quảng Ngãi\n\n"
        "Quy mô nền kinh tế 6 tháng năm 2027 theo giá hiện hành ước đạt 67.312 tỉ đồng. "
        "Trong đó, khu vực nông, lâm nghiệp và thủy sản đạt 11.923 tỉ đồng, chiếm tỷ trọng 17,62%."
    )
    found = observed(report)
    assert ("grdp_current_prices", "value", None, None, "67.312") in found  # "tỉ" written for "tỷ"
    assert ("va_agriculture", "share_pct", None, None, "17,62") in found
    assert not {f for f in found if f[4] == "11.923"}


def test_the_end_of_a_quarter_dates_a_stock(read):
    report = read(
        "Tình hình kinh tế - xã hội quý I năm 2027 tỉnh Cà Mau\n\n"
        "Xây dựng nông thôn mới đến cuối quý I, có 43/82 xã đạt chuẩn nông thôn mới."
    )
    assert ("ntm_communes_meeting_standard", "value", "2027-03-31", "2027-03-31", "43") in observed(report)


def test_a_number_written_in_two_parts_is_not_read_as_its_second_part(read):
    report = read(
        "Tình hình kinh tế - xã hội 6 tháng đầu năm 2027 tỉnh Bình Phước\n\n"
        "Kim ngạch nhập khẩu ước đạt 1 tỉ 260 triệu USD."
    )
    assert of(report, "260").measure_reason == "compound_number"
    assert not {f for f in observed(report) if f[0] == "import_turnover"}


def test_in_the_month_of_a_release_of_several_months_is_its_last_month(read):
    report = read(
        "Tình hình kinh tế - xã hội tháng 8 và 8 tháng năm 2027 tỉnh Tiền Giang\n\n"
        "Cây lương thực có hạt: ước trong tháng gieo trồng 5.309 ha. Trong đó, cây lúa xuống giống 5.071 ha."
    )
    august = ("2027-08-01", "2027-08-31")
    assert ("agr_rice_area", "value", *august, "5.071") in observed(report)


def test_higher_by_a_plus_sign_and_a_change_that_goes_on_are_changes(read):
    report = read(
        "Tình hình kinh tế - xã hội tháng 11 và 11 tháng năm 2027\n\n"
        "Chỉ số giá tiêu dùng (CPI) tháng 11 tăng 0,14% so với tháng trước, cao hơn 2,63% so với tháng 12-2026 "
        "và 2,71% so với cùng kỳ năm trước. Thu cân đối hoạt động xuất nhập khẩu 16.712 tỷ đồng, đạt 82,41% so với "
        "dự toán và giảm 8,27%. GRDP quý I/2027 của thành phố Hải Phòng đạt +9,63% so với cùng kỳ.",
        province="national",
    )
    november = ("2027-11-01", "2027-11-30")
    assert {
        ("cpi", "change_pct_start_of_year", *november, "2,63"),
        ("cpi", "change_pct", *november, "2,71"),
        ("bud_revenue_import_export", "change_pct", None, None, "8,27"),
    } <= observed(report)
    assert of(report, "9,63").measure == "change_pct"


# --- lessons of the fourth batch ---


def test_a_title_span_dated_by_the_page_takes_the_year_the_text_names(read):
    report = read(
        "Thứ hai 29/12/2031 02:32\n\nBình Phước: Kinh tế - xã hội 9 tháng đầu năm có nhiều chuyển biến\n\n"
        "Trong 9 tháng năm 2027, tổng vốn đầu tư toàn xã hội của tỉnh Bình Phước đạt 11.222,3 tỷ đồng, "
        "tăng 5,43% so với cùng kỳ."
    )
    assert (report.provenance["period_start"], report.provenance["period_end"]) == ("2027-01-01", "2027-09-30")


def test_the_parts_of_a_whole_at_current_prices_are_not_the_sectors_at_constant_prices(read):
    report = read(
        "Tình hình kinh tế - xã hội năm 2027 tỉnh Bắc Kạn\n\n"
        "Theo giá hiện hành, GRDP năm 2027 ước đạt 31.456 tỷ đồng, trong đó: khu vực nông, lâm nghiệp và thủy sản "
        "đạt 6.543 tỷ đồng, chiếm 20,8%; khu vực công nghiệp và xây dựng đạt 5.432 tỷ đồng, chiếm 17,27%; "
        "khu vực dịch vụ đạt 17.654 tỷ đồng; thuế sản phẩm trừ trợ cấp sản phẩm đạt 1.827 tỷ đồng."
    )
    found = observed(report)
    assert ("grdp_current_prices", "value", None, None, "31.456") in found
    assert ("va_agriculture", "share_pct", None, None, "20,8") in found
    assert not {f for f in found if f[4] in ("6.543", "5.432", "17.654", "1.827")}


def test_a_part_that_names_only_the_whole_is_left_unresolved(read):
    report = read(
        "Tình hình kinh tế - xã hội 6 tháng đầu năm 2027 tỉnh Hà Nam\n\n"
        "Kim ngạch xuất khẩu 6 tháng ước đạt 1.432,1 triệu USD, tăng 8,7% so với cùng kỳ "
        "(trong đó, xuất khẩu của khu vực có vốn đầu tư nước ngoài tăng 9,9%). "
        "Tổng kim ngạch xuất nhập khẩu đạt 2.654,3 triệu USD; trong đó nhập khẩu đạt 1.222,2 triệu USD."
    )
    found = observed(report)
    assert ("export_turnover", "change_pct", None, None, "8,7") in found
    assert ("import_turnover", "value", None, None, "1.222,2") in found
    assert (of(report, "9,9").resolution, of(report, "9,9").reason) == ("unmapped", "part_of_whole")


def test_an_equivalent_in_another_currency_is_the_figure_before_it(read):
    report = read(
        "Tình hình kinh tế - xã hội năm 2027 tỉnh An Giang\n\n"
        "Quy mô nền kinh tế theo giá hiện hành đạt khoảng 123.456 tỷ đồng, GRDP bình quân đầu người đạt "
        "65,43 triệu đồng/năm, tương đương 2.678 USD."
    )
    assert ("grdp_per_capita_usd", "value", None, None, "2.678") in observed(report)
    assert not [f for f in observed(report) if f[0] == "grdp_current_prices_usd"]


def test_a_change_after_a_level_is_the_change_of_that_level_in_its_unit(read):
    report = read(
        "Tình hình kinh tế - xã hội năm 2027 tỉnh Bắc Giang\n\n"
        "GRDP bình quân đầu người đạt 4.321 USD, tăng 11%, vượt 2% kế hoạch. "
        "GRDP bình quân đầu người ước đạt 66,6 triệu đồng (2.765 USD/người), tăng 8,8% so cùng kỳ."
    )
    found = observed(report)
    assert ("grdp_per_capita_usd", "change_pct", None, None, "11") in found
    assert ("grdp_per_capita", "change_pct", None, None, "8,8") in found


def test_services_with_product_taxes_and_wholesale_with_retail_are_no_standard_indicator(read):
    report = read(
        "Tình hình kinh tế - xã hội 6 tháng đầu năm 2027 tỉnh Thái Nguyên\n\n"
        "Tốc độ tăng trưởng kinh tế ước đạt 7,18%. Trong đó, khu vực công nghiệp - xây dựng tăng 8,61%; "
        "khu vực dịch vụ và thuế sản phẩm tăng 6,2%; dịch vụ (bao gồm cả thuế sản phẩm) chiếm 22,4%. "
        "Các ngành dịch vụ: vận tải kho bãi tăng 21,01%; bán buôn, bán lẻ, tổng mức tiêu dùng tăng 13,79%."
    )
    found = observed(report)
    assert ("va_industry_construction", "change_pct", None, None, "8,61") in found
    assert not {f for f in found if f[4] in ("6,2", "22,4", "13,79")}


def test_a_comparison_with_a_year_other_than_the_last_is_not_a_change_on_the_same_period(read):
    report = read(
        "Tình hình kinh tế - xã hội tháng 4 và 4 tháng năm 2027 tỉnh Cà Mau\n\n"
        "Chỉ số sản xuất công nghiệp (IIP) trong tháng giảm 4,71% so với tháng 3/2027 và tăng 15,14% so với "
        "cùng kỳ năm 2025. Tổng mức bán lẻ 4 tháng tăng 9,2% so với cùng kỳ năm 2026."
    )
    assert of(report, "15,14").measure is None and of(report, "15,14").measure_reason == "other_base_year"
    assert ("trd_retail_sales_services_revenue", "change_pct", None, None, "9,2") in observed(report)


def test_a_figure_before_the_cumulative_one_is_the_last_months(read):
    report = read(
        "Báo cáo tình hình kinh tế - xã hội tháng 3 và quý I năm 2027 tỉnh Cà Mau\n\n"
        "Kim ngạch nhập khẩu đạt 6 triệu USD, lũy kế 3 tháng đạt 21,5 triệu USD, tăng 4,4% so với cùng kỳ."
    )
    found = observed(report)
    assert ("import_turnover", "value", "2027-03-01", "2027-03-31", "6") in found
    assert ("import_turnover", "value", None, None, "21,5") in found
