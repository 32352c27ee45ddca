"""Property-based tests (hypothesis), with a bounded number of examples so that `make test` stays quick."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baocao.core.errors import BaocaoError
from baocao.figures.extract import Extractor
from baocao.reading.numbers import NumberFormatError, format_vi, parse_number
from baocao.reading.parse import parse_document

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

amounts = st.decimals(min_value=0, max_value=Decimal("1e15"), places=3, allow_nan=False, allow_infinity=False)


@SETTINGS
@given(amounts)
def test_vietnamese_notation_round_trips(value):
    text = format_vi(value)
    parsed = parse_number(text)
    assert parsed.value == value
    # a ".": thousands only; "," only before decimals; never read as English
    assert parsed.notation in ("vi", "integer")


@SETTINGS
@given(st.integers(min_value=1000, max_value=10**15))
def test_integers_with_thousand_dots_are_never_decimals(value):
    assert parse_number(format_vi(Decimal(value))).value == value


@SETTINGS
@given(st.text(alphabet="0123456789.,-/ a%", max_size=20))
def test_parser_never_crashes(text):
    try:
        parsed = parse_number(text)
    except NumberFormatError:
        return
    assert isinstance(parsed.value, Decimal)


vietnamese = st.sampled_from(
    list("abcdeghiklmnopqrstuvxyăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
)
lines = st.one_of(
    st.text(alphabet=st.one_of(vietnamese, st.sampled_from(list(" .,;:()-+*/%0123456789¹²³⁴\t"))), max_size=80),
    st.builds(lambda n, t: f"{n}. {t}", st.integers(0, 20), st.text(max_size=30)),
    st.builds(lambda n, t: f"{n}. {t.upper()}", st.sampled_from(["I", "II", "III", "IV"]), st.text(max_size=30)),
    st.builds(lambda t: f"- {t}", st.text(max_size=40)),
    st.builds(lambda t: f"¹ {t}", st.text(max_size=40)),
    st.just(""),
    st.just("Nơi nhận:"),
)


@SETTINGS
@given(st.lists(lines, max_size=30))
def test_document_parser_parses_or_refuses(lines_):
    text = "\n".join(lines_)
    try:
        document = parse_document(text, "fuzz.txt")
    except BaocaoError as error:
        assert str(error).startswith("fuzz.txt: ")
        return
    for section in document.sections:
        for paragraph in section.paragraphs:
            assert section.text[paragraph.start : paragraph.end] == paragraph.text


@SETTINGS
@given(st.text(alphabet=st.one_of(vietnamese, st.sampled_from(list(" .,;:()-/%0123456789"))), max_size=200))
def test_extraction_points_into_the_text(text):
    extractor = _extractor()
    for mention in extractor.mentions("x", text):
        assert text[mention.value_start : mention.value_end] == mention.value_text
        assert text[mention.quote_start : mention.quote_end] == mention.quote
        assert parse_number(mention.value_text).value == mention.value


_cached = []


def _extractor() -> Extractor:
    if not _cached:
        _cached.append(Extractor())
    return _cached[0]
