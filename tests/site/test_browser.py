"""A real browser (Debian's chromium, driven by Playwright) on the served site, in both languages.

Each page readers walk through (the landing page, the observations, checks and sections
tables with facets, a figure, the report to read, a search) is checked in Vietnamese and
in English: the English page marks every Vietnamese text lang="vi", the Vietnamese page
keeps none of Datasette's English words, and axe-core (tests/browser, from the npm
registry) finds no serious or critical accessibility violation.

BAOCAO_SCREENSHOTS=docs/screenshots writes the README's screenshots from these pages.
"""

import json
import os
import re
import unicodedata
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS

ARGS = CHROMIUM_ARGS
AXE = Path(__file__).parents[1] / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = os.environ.get("BAOCAO_SCREENSHOTS")

if CHROMIUM is None:
    if os.environ.get("BAOCAO_REQUIRE_BROWSER"):
        raise RuntimeError("chromium is required (BAOCAO_REQUIRE_BROWSER is set) but not installed")
    pytest.skip("chromium is not installed: browser tests skipped (apt-get install chromium)", allow_module_level=True)

# Datasette's own interface words, which a Vietnamese page must not show
DATASETTE_WORDS = [
    "Apply",
    "Next page",
    "sorted by",
    "View and edit SQL",
    "Links from other tables",
    "This data as",
    "Advanced export",
    "JSON shape",
    "CSV options",
    "download file",
    "expand labels",
    "Export CSV",
    "Powered by",
    "Data license",
    "Data source",
    "Search",
    "remove filter",
    "records",
    "rows",
    "row",
    "column",
    "Sort",
    "descending",
]

# the text of every element outside lang="vi" (or, for Vietnamese pages, outside lang="en")
TEXT_OUTSIDE = """(skip) => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, [hidden]')) continue;
    const marked = parent.closest('[lang]');
    if (marked && marked.getAttribute('lang') === skip) continue;
    if (node.textContent.trim()) out.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('[title], [alt], [aria-label], input[placeholder]')) {
    const marked = el.closest('[lang]');
    if (marked && marked.getAttribute('lang') === skip) continue;
    for (const name of ['title', 'alt', 'aria-label', 'placeholder']) {
      if (el.getAttribute(name)) out.push(el.getAttribute(name));
    }
  }
  return out;
}"""

VIETNAMESE_LETTERS = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯ]|[\u0300-\u0323]")


def vietnamese_words(text: str) -> list[str]:
    """Words written with Vietnamese letters or tone marks, names (capitalised words) aside."""
    words = []
    for word in re.findall(r"\w+", unicodedata.normalize("NFC", text)):
        if word[0].isupper():
            continue  # a name: Bắc Kạn, Chợ Đồn
        if VIETNAMESE_LETTERS.search(unicodedata.normalize("NFD", word)):
            words.append(word)
    return words


def fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def get_json(site: str, path: str):
    with urllib.request.urlopen(site + path, timeout=15) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 1600})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # what the site's Content Security Policy refused: a script, style or image of its own it would break
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert errors == []


def url(site: str, path: str, lang: str) -> str:
    return site + (path if lang == "vi" else "/en" + path)


@pytest.fixture(scope="module")
def walk(site):
    """The pages walked in each language, found from the data: (name, path)."""
    grdp = get_json(site, "/baocao/observations.json?_shape=array&_size=1&indicator_id=grdp&measure=value")[0]
    report = get_json(site, "/baocao/reports.json?_shape=array&_size=1")[0]
    return [
        ("landing", "/"),
        ("observations", "/baocao/observations?_facet=topic_id&_facet=measure&_facet=obs_status"),
        ("checks", "/baocao/checks?_facet=status&_facet=kind"),
        ("sections", "/baocao/sections?_facet=kind"),
        ("figure", "/baocao/observations/" + urllib.parse.quote(grdp["obs_id"].replace("/", "~2F"))),
        ("reader", f"/read/{report['report_id']}"),
        ("search", "/search?q=Cho+Don"),
    ]


def check_accessibility(page) -> None:
    if not AXE.exists():
        if os.environ.get("BAOCAO_REQUIRE_BROWSER"):
            raise RuntimeError(f"axe-core is required: npm ci --prefix {AXE.parents[2]}")
        return
    # evaluated by the browser's tools, not added to the page: the site's CSP refuses inline scripts
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], page.url


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_walked_is_in_its_language_and_accessible(site, page, walk, lang):
    for name, path in walk:
        page.goto(url(site, path, lang))
        assert page.locator("html").get_attribute("lang") == lang, name
        assert page.locator("main#main").count() == 1 and page.locator("a.skip-link").count() == 1, name
        title = page.title()
        # a human title: the page's heading (or the search asked), not Datasette's "baocao: observations: ..."
        heading = page.locator("h1").first.inner_text().strip()
        assert not title.startswith("baocao") and (title.startswith(heading) or "Cho Don" in title), (name, title)
        if lang == "en":
            texts = page.evaluate(TEXT_OUTSIDE, "vi")
            unmarked = [(t[:80], vietnamese_words(t)) for t in texts if vietnamese_words(t)]
            assert unmarked == [], (name, unmarked[:5])
        else:
            text = "\n".join(page.evaluate(TEXT_OUTSIDE, "en"))
            left = [w for w in DATASETTE_WORDS if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
            assert left == [], (name, left)
        check_accessibility(page)
        if SCREENSHOTS and (name, lang) in SHOTS:
            file, anchor = SHOTS[(name, lang)]
            if anchor:
                page.locator(anchor).scroll_into_view_if_needed()
                page.evaluate(f"document.querySelector('{anchor}').scrollIntoView()")
            page.screenshot(path=str(Path(SCREENSHOTS) / file), full_page=False)


SHOTS = {  # (page, language): (file, element scrolled to the top)
    ("landing", "vi"): ("landing-vi.png", None),
    ("landing", "en"): ("landing-en-charts.png", "#charts"),
    ("observations", "en"): ("observations-en.png", None),
    ("checks", "vi"): ("checks-vi.png", None),
    ("figure", "en"): ("figure-en.png", None),
    ("reader", "vi"): ("reader-vi.png", None),
    ("search", "en"): ("search-en.png", None),
}


def test_each_language_has_its_own_links_and_the_switch_keeps_the_page(site, page):
    page.goto(site + "/baocao/observations?topic_id=economy")
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert urllib.parse.urlsplit(page.url).path == "/en/baocao/observations"
    assert "topic_id=economy" in page.url
    assert page.locator("html").get_attribute("lang") == "en"
    # a link followed from an English page stays English
    page.locator("table.rows-and-columns td.col-indicator_id a").first.click()
    page.wait_for_load_state()
    assert urllib.parse.urlsplit(page.url).path.startswith("/en/baocao/indicators/")


def test_observations_show_a_hundred_rows_within_12000_px(site, page):
    for lang in ("vi", "en"):
        page.goto(url(site, "/baocao/observations", lang))
        assert page.locator("table.rows-and-columns tbody tr").count() == 100
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 12000, (lang, height)


def test_sections_are_in_reading_order(site, page):
    first = get_json(site, "/baocao/sections.json?_shape=array&_size=3&_sort=position")
    page.goto(site + "/baocao/sections")
    shown = page.locator("table.rows-and-columns tbody tr td.col-section_id").all_inner_texts()[:3]
    assert shown == [s["section_id"] for s in first]


def test_numbers_read_in_each_language(site, page, walk):
    grdp = get_json(site, "/baocao/observations.json?_shape=array&_size=1&indicator_id=grdp&measure=value")[0]
    whole = int(grdp["value"])
    figure = dict(walk)["figure"]
    page.goto(url(site, figure, "en"))
    assert page.locator(".figure-big .figure-value").inner_text() == f"{whole:,}"
    page.goto(url(site, figure, "vi"))
    assert page.locator(".figure-big .figure-value").inner_text() == f"{whole:,}".replace(",", ".")
    # the sentence is shown with the figure as printed highlighted
    assert page.locator("blockquote.source-sentence mark").inner_text() == grdp["value_text"]


def test_search_lists_whole_phrase_matches_first_and_finds_figures(site, page):
    sections = get_json(site, "/baocao/sections.json?_shape=array&_size=max&_col=text")
    phrase = [s for s in sections if re.search(r"\bcho don\b", fold(s["text"] or ""))]
    assert phrase
    page.goto(site + "/en/search?q=Cho+Don")
    snippets = page.locator("ol.search-results li .snippet").all_inner_texts()
    assert len(snippets) >= len(phrase)
    assert all("cho don" in fold(s) for s in snippets[: len(phrase)])
    page.goto(site + "/search?q=giai+ngan")
    figures = page.locator("ul.search-figures a")
    assert figures.count() > 0
    figures.first.click()
    page.wait_for_load_state()
    assert "giai ngan" in fold(page.locator("h1").inner_text())


def test_landing_page_key_figures_contradictions_charts_and_download(site, page, tmp_path):
    page.goto(site + "/en/")
    failed = get_json(site, "/baocao/checks.json?_shape=array&status=fail&_size=max")
    box = page.locator("section.contradictions li")
    assert box.count() == len(failed)
    assert page.locator("ul.key-figures .figure-period").first.inner_text()
    chart = page.locator("#chart-grdp_value img")
    assert chart.get_attribute("src") == "/assets/charts/grdp_value.en.svg"
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    page.locator("ul.key-figures a").first.click()
    page.wait_for_load_state()
    assert page.locator("blockquote.source-sentence mark").count() == 1
    page.goto(site + "/")
    with page.expect_download() as download_info:
        page.click("a[href='/assets/downloads/baocao-csv.zip']")
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    assert target.name == "baocao-csv.zip" and target.read_bytes()[:2] == b"PK"


def test_charts_read_at_phone_width_as_a_table(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(site + "/")
    table = page.locator("#chart-pct_of_plan .phone-only table")
    assert table.is_visible()
    size = table.evaluate("t => parseFloat(getComputedStyle(t).fontSize)")
    assert size >= 11
    context.close()
