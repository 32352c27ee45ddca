from decimal import Decimal

import pytest

from baocao.reading.parse import parse_document
from conftest import FIXTURES


def rows(mentions):
    return [(m.value_text, m.value, m.unit_id, m.role, m.qualifier, m.obs_status) for m in mentions]


def test_every_number_of_section_i1(document, extractor):
    mentions = extractor.mentions("I.1", document.section("I.1").text)
    got = [(m.value_text, m.value, m.unit_id) for m in mentions]
    d = Decimal
    assert got == [
        ("6", d(6), "thang"),
        ("4.128", d(4128), "ty_dong"),
        ("5,45", d("5.45"), "percent"),
        ("1.040,1", d("1040.1"), "ty_dong"),
        ("3,63", d("3.63"), "percent"),
        ("650,7", d("650.7"), "ty_dong"),
        ("7,05", d("7.05"), "percent"),
        ("289,7", d("289.7"), "ty_dong"),
        ("9,44", d("9.44"), "percent"),
        ("361", d(361), "ty_dong"),
        ("5,2", d("5.2"), "percent"),
        ("2.312,6", d("2312.6"), "ty_dong"),
        ("5,8", d("5.8"), "percent"),
        ("124,7", d("124.7"), "ty_dong"),
        ("6,15", d("6.15"), "percent"),
        ("6", d(6), "thang"),
        ("24,5", d("24.5"), "percent"),
        ("16,35", d("16.35"), "percent"),
        ("10,12", d("10.12"), "percent"),
        ("6,23", d("6.23"), "percent"),
        ("56,1", d("56.1"), "percent"),
        ("3,02", d("3.02"), "percent"),
    ]
    grdp = mentions[1]
    assert grdp.quote == (
        "Trong 6 tháng đầu năm 2024, tổng sản phẩm trên địa bàn tỉnh (GRDP theo giá so sánh) "
        "đạt 4.128 tỷ đồng, tăng trưởng 5,45%."
    )
    assert mentions[3].quote == "Nông, lâm nghiệp và thủy sản đạt 1.040,1 tỷ đồng, tăng trưởng 3,63%."


def test_number_formats_on_a_small_report(extractor):
    text = (FIXTURES / "numbers.txt").read_text(encoding="utf-8")
    document = parse_document(text, "numbers.txt")
    got = rows(extractor.document_mentions(document))
    d = Decimal
    assert got == [
        ("4.128", d(4128), "ty_dong", "single", None, "normal"),
        ("5,45", d("5.45"), "percent", "single", None, "normal"),
        ("1.040,1", d("1040.1"), "ty_dong", "single", None, "normal"),
        ("2.016.800.000", d(2016800000), "dong", "single", None, "normal"),
        ("0,133", d("0.133"), "ha", "single", None, "normal"),
        ("03", d(3), "vu", "single", None, "normal"),
        ("16.581", d(16581), "ha", "numerator", None, "normal"),
        ("16.687", d(16687), "ha", "denominator", None, "normal"),
        ("99", d(99), "percent", "single", None, "normal"),
        ("5", d(5), "percent_per_year", "range_low", None, "normal"),
        ("8,5", d("8.5"), "percent_per_year", "range_high", None, "normal"),
        ("71.40", d("71.40"), "percent", "single", None, "normal"),
        ("1.234", d(1234), "tan", "single", None, "normal"),
        ("241,497", d("241.497"), "tan", "single", None, "normal"),
        ("84.000", d(84000), "tan", "single", "Dự ước khoảng", "projected"),
        ("1.243", d(1243), "trieu_dong", "single", "trên", "lower_bound"),
        ("300", d(300), "con", "single", "hơn", "lower_bound"),
        ("14", d(14), "percent", "single", None, "normal"),
    ]
    notations = {m.value_text: m.notation for m in extractor.document_mentions(document)}
    # the one English-notation reading is flagged, never silent
    assert [t for t, n in notations.items() if n == "en"] == ["71.40"]


def test_dates_years_and_document_numbers_are_not_mentions(extractor):
    text = (
        "Thực hiện Nghị quyết số 82/NQ-HĐND ngày 08/12/2023 của HĐND tỉnh, Quyết định số 2732/QĐ-UBND "
        "ngày 31/12/2019; giai đoạn 2021-2025, năm 2024, quý II/2024, tháng 12/2024, tháng 6, "
        "TCVN ISO 9001:2015, mạng 3G/4G, NĐ75; đạt 5 ha."
    )
    assert [m.value_text for m in extractor.mentions("x", text)] == ["5"]


def test_ordinals_are_marked(extractor):
    text = "Chỉ số xếp thứ 57/63 tỉnh, tiêu chí số 4 về điện; tổng số 2304 phòng."
    got = [(m.value_text, m.kind, m.role, m.unit_id) for m in extractor.mentions("x", text)]
    assert got == [
        ("57", "ordinal", "numerator", "tinh"),
        ("63", "ordinal", "denominator", "tinh"),
        ("4", "ordinal", "single", None),
        ("2304", "quantity", "single", "phong"),
    ]


def test_fraction_with_a_unit_on_each_side(extractor):
    got = [(m.value_text, m.unit_id, m.role) for m in extractor.mentions("x", "Đã tiếp 306 lượt/318 công dân.")]
    assert got == [("306", "luot", "numerator"), ("318", "nguoi", "denominator")]


def test_mentions_point_into_their_section(document, extractor):
    for mention in extractor.document_mentions(document):
        text = document.section(mention.section_id).text
        assert text[mention.quote_start : mention.quote_end] == mention.quote
        assert text[mention.value_start : mention.value_end] == mention.value_text
        assert mention.quote_start <= mention.value_start < mention.value_end <= mention.quote_end


def test_footnote_4_figures_are_mentions(document, extractor):
    mentions = [m for m in extractor.document_mentions(document) if m.section_id == "fn4"]
    assert [(m.value_text, m.unit_id) for m in mentions][:3] == [
        ("868,5", "ty_dong"),
        ("412", "ty_dong"),
        ("154", "ty_dong"),
    ]
    assert len(mentions) == 15


@pytest.fixture(scope="module")
def legal(document, extractor):
    return {d.doc_id: d for d in extractor.legal_documents(document)}


def test_legal_documents_sample(legal):
    nq82 = legal["nq-82-2023-hdnd"]
    assert (nq82.symbol, nq82.type_code, nq82.number, nq82.year, nq82.issuer_code, nq82.date, nq82.issuer_text) == (
        "82/NQ-HĐND",
        "NQ",
        "82",
        2023,
        "HĐND",
        "2023-12-08",
        "HĐND tỉnh",
    )
    assert [c.section_id for c in nq82.citations] == ["preamble"]
    nq01 = legal["nq-01-2022-hdnd"]
    assert (nq01.symbol, nq01.date) == ("01/2022/NQ-HĐND", "2022-04-27")
    assert [c.section_id for c in nq01.citations] == ["I.2.1", "I.7.2"]
    party = legal["nq-10-2021-tu"]
    assert (party.symbol, party.issuer_code, len(party.citations)) == ("10-NQ/TU", "TU", 2)
    letter = legal["cv-1058-2024-vpcp"]
    assert (letter.type_code, letter.issuer_code, letter.issuer_text) == ("CV", "VPCP", "Văn phòng Chính phủ")
    assert legal["nq-111-2024-qh"].symbol == "111/2024/QH15"
    assert legal["nd-45-2021-cp"].type_code == "NĐ"
    assert legal["nq-11-2022-tw"].symbol == "11-NQ/TW"
    assert len(legal["nq-11-2022-tw"].citations) == 2  # once with its date, once as "11- NQ/TW"
    assert legal["nd-28-2022-cp"].citations[0].section_id == "fn4"


def test_each_document_once(legal):
    assert len(legal) == 28
    assert sum(len(d.citations) for d in legal.values()) == 31
