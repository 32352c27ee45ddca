import pytest

from baocao.core.errors import BaocaoError
from baocao.reading.parse import parse_document, strip_markdown

TREE = [
    ("preamble", None, "", 0),
    ("I", None, "TÌNH HÌNH KINH TẾ - XÃ HỘI, ĐẢM BẢO QUỐC PHÒNG – AN NINH 6 THÁNG NĂM 2024", 1),
    ("I.1", "I", "Tăng trưởng kinh tế", 2),
    ("I.2", "I", "Phát triển nông nghiệp, nông thôn", 2),
    ("I.2.1", "I.2", "Sản xuất nông, lâm nghiệp", 3),
    ("I.2.2", "I.2", "Công tác xây dựng nông thôn mới và Chương trình OCOP", 3),
    (
        "I.2.3",
        "I.2",
        (
            "Tình hình thực hiện một số nội dung quy định chính sách hỗ trợ phát triển sản xuất nông "
            "nghiệp hàng hoá; hỗ trợ nâng cao năng lực cho khu vực kinh tế tập thể trên địa bàn tỉnh Bắc Kạn ban hành "
            "kèm theo Nghị quyết số 01/2022/NQ-HĐND ngày 27/4/2022 của HĐND tỉnh Bắc Kạn"
        ),
        3,
    ),
    (
        "I.2.4",
        "I.2",
        (
            "Tình hình triển khai thực hiện các dự án phát triển sản xuất sử dụng kinh phí của các "
            "chương trình mục tiêu quốc gia"
        ),
        3,
    ),
    ("I.2.4_2", "I.2", "Công tác phòng chống thiên tai, ứng phó với biến đổi khí hậu", 3),
    ("I.3", "I", "Công nghiệp - Xây dựng cơ bản", 2),
    ("I.3.1", "I.3", "Phát triển công nghiệp", 3),
    ("I.3.2", "I.3", "Đầu tư xây dựng cơ bản", 3),
    ("I.4", "I", "Thương mại – Dịch vụ", 2),
    ("I.5", "I", "Về thực hiện các chương trình mục tiêu quốc gia", 2),
    ("I.6", "I", "Công tác Quy hoạch", 2),
    ("I.7", "I", "Phát triển doanh nghiệp, hợp tác xã – nâng cao năng lực cạnh tranh cấp tỉnh", 2),
    ("I.7.1", "I.7", "Xúc tiến đầu tư - phát triển doanh nghiệp", 3),
    ("I.7.2", "I.7", "Phát triển kinh tế tập thể", 3),
    ("I.7.3", "I.7", "Cải thiện môi trường kinh doanh nâng cao năng lực cạnh tranh cấp tỉnh", 3),
    ("I.8", "I", "Tài chính - Tiền tệ", 2),
    ("I.8.1", "I.8", "Quản lý ngân sách nhà nước", 3),
    ("I.8.2", "I.8", "Hoạt động ngân hàng", 3),
    ("I.9", "I", "Lĩnh vực Văn hoá - Xã hội", 2),
    ("I.9.1", "I.9", "Công tác y tế - giáo dục", 3),
    ("I.9.2", "I.9", "Văn hóa, thể thao", 3),
    ("I.9.3", "I.9", "Thông tin và truyền thông", 3),
    ("I.9.4", "I.9", "Lao động, Thương binh và Xã hội", 3),
    ("I.9.5", "I.9", "Công tác dân tộc, tôn giáo", 3),
    ("I.10", "I", "Công tác khoa học và công nghệ, tài nguyên và môi trường", 2),
    ("I.10.1", "I.10", "Về khoa học và công nghệ", 3),
    ("I.10.2", "I.10", "Về tài nguyên và môi trường", 3),
    ("I.11", "I", "Công tác nội vụ; thanh tra, tiếp công dân; công tác tư pháp", 2),
    ("I.11.1", "I.11", "Công tác nội vụ", 3),
    ("I.11.2", "I.11", "Công tác thanh tra, giải quyết khiếu nại, tố cáo và phòng, chống tham nhũng", 3),
    ("I.11.3", "I.11", "Công tác tư pháp", 3),
    ("I.12", "I", "Công tác quốc phòng an ninh", 2),
    ("II", None, "HẠN CHẾ VÀ NGUYÊN NHÂN", 1),
    ("III", None, "PHƯƠNG HƯỚNG NHIỆM VỤ 6 THÁNG CUỐI NĂM 2024", 1),
    ("III.2", "III", "Thực hiện các nhiệm vụ phát triển kinh tế", 2),
    ("III.3", "III", "Thực hiện nhiệm vụ phát triển văn hóa – xã hội", 2),
    ("III.4", "III", "Công tác phát triển khoa học công nghệ, bảo vệ tài nguyên và môi trường", 2),
    ("III.5", "III", "Công tác nội chính", 2),
    ("III.6", "III", "Công tác quốc phòng, an ninh", 2),
]


def test_section_tree(document):
    tree = [(s.section_id, s.parent_id, s.title, s.level) for s in document.sections if s.kind != "footnote"]
    assert tree == TREE


def test_duplicate_section_number_is_kept_and_recorded(document):
    assert document.duplicate_numbers == [("I.2.4", ["I.2.4", "I.2.4_2"])]
    second = document.section("I.2.4_2")
    assert (second.number, second.occurrence) == ("2.4", 2)
    assert second.text.startswith("Trong 6 tháng đầu năm 2024, trên địa bàn tỉnh xảy ra 03 đợt rét")


def test_header_and_closing_are_metadata_not_sections(document):
    assert document.header == {
        "document_symbol": "/BC-UBND",
        "place": "Bắc Kạn",
        "date_text": "ngày tháng năm 2024",
        "document_type": "BÁO CÁO",
        "title": "Tình hình phát triển kinh tế - xã hội, đảm bảo quốc phòng - an ninh trong 6 tháng đầu năm 2024 "
        "trên địa bàn tỉnh Bắc Kạn",
        "addressee": "Hội đồng nhân dân tỉnh",
        "issuer_text": None,
    }
    assert document.signature == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Đăng Bình"]
    assert document.recipients[0] == "TT Tỉnh ủy; TT HĐND tỉnh;"
    assert document.recipients[-1] == "Lưu: VT, Mai Anh."
    assert len(document.recipients) == 8
    last = document.section("III.6").text
    assert last.endswith("UBND tỉnh báo cáo Hội đồng nhân dân tỉnh./.")
    assert all("Nơi nhận" not in s.text and "Nguyễn Đăng Bình" not in s.text for s in document.sections)


def test_four_footnotes_lifted_and_linked_to_their_markers(document):
    notes = {(f.number, f.section_id) for f in document.footnotes}
    assert notes == {(1, "I.2.2"), (2, "I.2.2"), (3, "I.6"), (4, "I.8.2")}
    texts = {f.number: f.text for f in document.footnotes}
    assert texts[1].startswith("Xã Tân Tú, huyện Bạch Thông")
    assert texts[4].startswith("Trong đó Dư nợ cho vay hộ nghèo: 868,5 tỷ đồng")
    before = {f.number: document.section(f.section_id).text[: f.marker_offset] for f in document.footnotes}
    assert before[1].endswith("có 5/17 xã đạt chuẩn nông thôn mới")
    assert before[2].endswith("có 02")
    assert before[3].endswith("định hướng đến năm 2050")
    assert before[4].endswith("tăng 15% so với cùng kỳ năm trước")
    for section in document.sections:
        assert not any(ch in section.text for ch in "¹²⁴"), section.section_id


def test_marker_glued_to_a_number_does_not_change_it(document):
    assert "có 02/06 xã đạt chuẩn nông thôn mới nâng cao năm 2023" in document.section("I.2.2").text


def test_unit_powers_are_not_footnote_markers(document):
    text = document.section("I.2.1").text
    assert "126.727 m³" in text and "174 m³" in text


@pytest.mark.parametrize(
    "section_id, joined",
    [
        ("I.8.2", "Tổng dư nợ cấp tín dụng ước thực hiện đến 30/6/2024 đạt: 13.850 tỷ đồng"),
        ("I.2.1", "Kết quả đến ngày 10/6/2024, thực hiện trồng được 3.038 ha"),
        ("I.2.4", "hiện nay UBND các huyện/thành phố đã tiến hành thẩm định, phê duyệt 12/33 dự án"),
        ("I.4", "Đề án phát triển Khu du lịch Ba Bể thành khu du lịch Quốc gia giai đoạn 2022-2030"),
        ("I.7.2", "theo Nghị quyết số 01/2022/NQ-HĐND; xây dựng Đề án"),
        ("I.9.1", "tăng cường giáo dục kỹ năng sống cho học sinh. Chất lượng giáo dục toàn diện"),
        ("I.9.2", "(môn Điền kinh, Võ Taewondo, Kichboxing, Muay)"),
        ("I.11.3", "08 việc; tiếp nhận và thụ lý 126 vụ việc /126 người"),
        ("II", "công tác tuyên truyền phòng ngừa có lúc còn chưa phù hợp"),
        ("III.2", "hướng tín dụng vào các lĩnh vực sản xuất kinh doanh, lĩnh vực ưu tiên"),
    ],
)
def test_page_breaks_are_repaired(document, section_id, joined):
    assert joined in document.section(section_id).text


def test_repairs_are_recorded(document):
    kinds = [r.kind for r in document.repairs]
    assert kinds.count("hyphen_break") == 1
    assert len(kinds) == 16


def test_no_markdown_left(document):
    assert document.markdown_removed == 10
    for section in document.sections:
        assert "*" not in section.text, section.section_id
    assert "(kết quả đạt: 02 HCV, 01 HCB, 04 HCD)" in document.section("I.9.2").text


def test_bullets_are_marked_in_the_clean_text(document):
    lines = document.section("I.1").text.split("\n")
    assert lines[1] == "- Nông, lâm nghiệp và thủy sản đạt 1.040,1 tỷ đồng, tăng trưởng 3,63%."
    assert lines[3] == "+ Công nghiệp đạt 289,7 tỷ đồng, tăng trưởng 9,44%."


def test_paragraph_offsets_point_into_the_clean_text(document):
    for section in document.sections:
        for paragraph in section.paragraphs:
            assert section.text[paragraph.start : paragraph.end] == paragraph.text


def test_text_without_headings_is_one_body_section():
    document = parse_document("Tin kinh tế\n\nMột đoạn văn không có đề mục, có 5 con số.\n\nĐoạn thứ hai.\n", "x.txt")
    assert [(s.section_id, s.kind) for s in document.sections] == [("body", "body")]
    assert document.headings == 0
    assert document.section("body").text.endswith("có 5 con số.\nĐoạn thứ hai.")
    assert document.warnings == ["no numbered headings: the report is read as one section"]


def test_second_report_header_in_one_file_is_refused():
    motto = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\n1. Mục\n\nNội dung 5 ha.\n\n"
    with pytest.raises(BaocaoError, match="^x.txt: a second report header \\(line 7\\)"):
        parse_document(motto * 2, "x.txt")


def test_signature_of_megabytes_is_refused():
    text = "1. Mục\n\nNội dung 5 ha.\n\nNơi nhận:\n- HĐND tỉnh;\n" + "Dòng chữ ký\n" * 500
    with pytest.raises(BaocaoError, match="^x.txt: 501 lines after 'Nơi nhận:'"):
        parse_document(text, "x.txt")


def test_numbered_paragraph_cut_by_a_page_break_is_not_a_heading():
    document = parse_document(
        "I. PHẦN MỘT\n\n1. Mục một\n\nNội dung.\n\n2. Số vụ tai nạn còn tăng, nguyên nhân do công tác tuyên\n\n"
        "truyền còn hạn chế.\n",
        "t.txt",
    )
    assert [s.section_id for s in document.sections] == ["I", "I.1"]
    assert document.section("I.1").text.endswith(
        "2. Số vụ tai nạn còn tăng, nguyên nhân do công tác tuyên truyền còn hạn chế."
    )


def test_footnote_without_marker_is_warned():
    document = parse_document("1. Mục\n\nNội dung có số 5 ha.\n\n¹ Chú thích lạc.\n", "t.txt")
    assert document.warnings == ["footnote 1 (line 5) has no marker in the text"]


def test_strip_markdown():
    assert strip_markdown("**TM. ỦY BAN\nCHỦ TỊCH** và (*kết quả: 01 HCV*) 2*3") == (
        "TM. ỦY BAN\nCHỦ TỊCH và (kết quả: 01 HCV) 2*3",
        2,
    )


TWO_COLUMN_HEADER = """ỦY BAN NHÂN DÂN               CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH YÊN BÁI                       Độc lập - Tự do - Hạnh phúc
Số: 301/BC-UBND                    Yên Bái, ngày 20 tháng 6 năm 2025

BÁO CÁO
Kết quả thực hiện nhiệm vụ 6 tháng đầu năm,
phương hướng 6 tháng cuối năm 2025

I. KINH TẾ
Tổng sản phẩm trên địa bàn tăng 7,1%.
"""


def test_a_two_column_header_is_read_column_by_column():
    header = parse_document(TWO_COLUMN_HEADER, "x.txt").header
    assert header == {
        "issuer_text": "ỦY BAN NHÂN DÂN TỈNH YÊN BÁI",
        "document_symbol": "301/BC-UBND",
        "place": "Yên Bái",
        "date_text": "ngày 20 tháng 6 năm 2025",
        "document_type": "BÁO CÁO",
        "title": "Kết quả thực hiện nhiệm vụ 6 tháng đầu năm, phương hướng 6 tháng cuối năm 2025",
        "addressee": None,
    }


DIVISIONS = """BÁO CÁO
Tình hình kinh tế - xã hội năm 2024

Phần thứ nhất
TÌNH HÌNH THỰC HIỆN NĂM 2024
I. KINH TẾ
1. Tăng trưởng
Tổng sản phẩm trên địa bàn tăng 7,1%.
Phần thứ hai
NHIỆM VỤ, GIẢI PHÁP NĂM 2025
I. CÁC CHỈ TIÊU CHỦ YẾU
Tổng sản phẩm trên địa bàn tăng 8%.
B. NHIỆM VỤ TRỌNG TÂM
Thu ngân sách đạt 5.000 tỷ đồng.
"""


def test_divisions_above_the_parts_hold_them_and_take_their_title_from_the_next_line():
    sections = {s.section_id: s for s in parse_document(DIVISIONS, "x.txt").sections}
    assert (sections["P1"].kind, sections["P1"].title, sections["P1"].level) == (
        "division",
        "TÌNH HÌNH THỰC HIỆN NĂM 2024",
        0,
    )
    assert sections["I"].parent_id == "P1" and sections["I.1"].parent_id == "I"
    assert (sections["P2"].title, sections["I_2"].parent_id) == ("NHIỆM VỤ, GIẢI PHÁP NĂM 2025", "P2")
    assert (sections["PB"].kind, sections["PB"].title) == ("division", "NHIỆM VỤ TRỌNG TÂM")
    assert "Phần thứ hai" not in sections["I.1"].text
