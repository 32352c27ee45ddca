"""A real browser (Debian's chromium, driven by Playwright) on the served site."""

import os

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS

ARGS = CHROMIUM_ARGS

if CHROMIUM is None:
    if os.environ.get("BAOCAO_REQUIRE_BROWSER"):
        raise RuntimeError("chromium is required (BAOCAO_REQUIRE_BROWSER is set) but not installed")
    pytest.skip("chromium is not installed: browser tests skipped (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 1600})
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()


def test_landing_page_switch_language_chart_search_and_download(site, page, tmp_path):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site + "/")
    assert page.locator("h1").inner_text().startswith("Số liệu từ báo cáo")
    assert page.locator("html").get_attribute("lang") == "vi"

    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h2#key-figures").inner_text() == "Key figures"
    assert page.locator("h1").inner_text().startswith("Figures from the socio-economic reports")

    # the choice holds from page to page
    page.goto(site + "/baocao/observations")
    assert page.locator("h1").inner_text() == "Observations"
    page.goto(site + "/")

    chart = page.locator("#chart-grdp_value img")
    assert chart.get_attribute("src") == "/assets/charts/grdp_value.en.svg"
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")

    page.fill("#search-box", "giai ngan")
    page.click("form.search button")
    page.wait_for_load_state()
    assert "_search=giai+ngan" in page.url
    body = page.locator("table.rows-and-columns").inner_text()
    assert "giải ngân" in body

    page.goto(site + "/")
    with page.expect_download() as download_info:
        page.click("a[href='/assets/downloads/baocao-csv.zip']")
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.name == "baocao-csv.zip" and target.read_bytes()[:2] == b"PK"
    assert errors == []
