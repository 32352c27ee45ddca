from decimal import Decimal

import pytest

from baocao.reading.numbers import EN, INTEGER, VI, NumberFormatError, format_vi, parse_number, plain


@pytest.mark.parametrize(
    "text, value, notation",
    [
        ("4.128", "4128", VI),
        ("1.040,1", "1040.1", VI),
        ("2.016.800.000", "2016800000", VI),
        ("0,133", "0.133", VI),
        ("03", "3", INTEGER),
        ("08", "8", INTEGER),
        ("2304", "2304", INTEGER),
        ("5.280,079", "5280.079", VI),
        ("95.044,40", "95044.40", VI),
        # ambiguous: one "." then three digits is always thousands (Vietnamese)
        ("1.234", "1234", VI),
        # ambiguous: one "," then three digits is a decimal comma (Vietnamese)
        ("241,497", "241.497", VI),
        # "." followed by other than three digits cannot be thousands: English, flagged
        ("71.40", "71.40", EN),
        ("1.5", "1.5", EN),
        ("1,234.5", "1234.5", EN),
    ],
)
def test_parse_number(text, value, notation):
    parsed = parse_number(text)
    assert parsed.value == Decimal(value)
    assert parsed.notation == notation


@pytest.mark.parametrize("text", ["", "1.23.456", "1,2,3", "12a", ".5", "1.", "1..2", "1.2345.678"])
def test_not_a_number(text):
    with pytest.raises(NumberFormatError):
        parse_number(text)


@pytest.mark.parametrize(
    "value, text",
    [
        ("1040.1", "1.040,1"),
        ("4128", "4.128"),
        ("0.133", "0,133"),
        ("2016800000", "2.016.800.000"),
        ("-1234.5", "-1.234,5"),
    ],
)
def test_format_vi(value, text):
    assert format_vi(Decimal(value)) == text


def test_plain_is_canonical():
    assert [plain(Decimal(v)) for v in ("4128", "901.0", "71.40", "0.133", "1E+3")] == [
        "4128",
        "901",
        "71.4",
        "0.133",
        "1000",
    ]
