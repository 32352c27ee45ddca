import pytest

from baocao.core.errors import BaocaoError
from baocao.reading.read import read_source
from conftest import FIXTURES, REPORT


@pytest.mark.parametrize(
    "name, message",
    [
        ("empty.txt", "empty file (0 bytes)"),
        ("blank.txt", "blank file (only white space)"),
        ("binary.txt", "binary file (NUL byte at offset 0), not a text report"),
        ("utf16.txt", "is UTF-16 encoded; save it as UTF-8 text"),
        (
            "windows1258.txt",
            "not UTF-8 text (invalid byte 0xec at offset 5, line 3; it reads as Windows-1258 (Vietnamese ANSI)); "
            "re-save the report as UTF-8",
        ),
        ("missing.txt", "no such file"),
    ],
)
def test_bad_input_is_refused_with_the_file_and_the_reason(name, message):
    path = FIXTURES / "bad" / name
    with pytest.raises(BaocaoError) as caught:
        read_source(path)
    assert str(caught.value) == f"{path}: {message}"


def test_folder_is_refused():
    with pytest.raises(BaocaoError, match="is a folder"):
        read_source(FIXTURES)


def test_control_characters_are_refused(tmp_path):
    path = tmp_path / "ctl.txt"
    path.write_bytes("1. Mục\n\nBáo cáo \x07 có ký tự điều khiển.\n".encode())
    with pytest.raises(BaocaoError, match=r"control character U\+0007"):
        read_source(path)


def test_report_is_read_as_nfc_with_checksum(tmp_path):
    source = read_source(REPORT)
    assert source.sha256 == "170dc439195a207da36a2192a5ee89ebaa7d4a3d3bc61f71dcf37fc51bffd530"
    assert source.size == REPORT.stat().st_size
    decomposed = tmp_path / "nfd.txt"
    import unicodedata

    decomposed.write_bytes(("\ufeff" + unicodedata.normalize("NFD", "1. Chợ Đồn\r\n")).encode())
    assert read_source(decomposed).text == "1. Chợ Đồn\n"
