"""The served site, for real: Datasette on 127.0.0.1 with the baocao plugin, templates and files."""

import io
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from html import unescape

import pytest
from frictionless import validate

from baocao.core import paths
from baocao.core.metadata import Metadata


def fetch(url: str, method: str = "GET", cookie: str | None = None, data: bytes | None = None):
    request = urllib.request.Request(url, method=method, data=data)
    if cookie:
        request.add_header("Cookie", cookie)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def in_language(path: str, lang: str) -> str:
    """The URL of a page in a language: Vietnamese at /..., English at /en/..."""
    return path if lang == "vi" else "/en" + path


def text(site, path, lang="vi"):
    status, headers, body = fetch(site + in_language(path, lang))
    assert status == 200, (path, status)
    return body.decode("utf-8")


@pytest.fixture(scope="module")
def descriptor(built):
    return json.loads((built / "datapackage.json").read_text(encoding="utf-8"))


def test_the_servers_paths_and_versions_are_not_served_and_writes_are_refused(site):
    for path in ("/-/databases.json", "/-/metadata.json", "/-/versions.json", "/-/threads.json", "/en/-/plugins"):
        assert fetch(site + path)[0] == 404, path
    status, _, body = fetch(site + "/baocao.json?" + urllib.parse.urlencode({"sql": "delete from units"}))
    assert status == 400 and b"SELECT" in body
    assert fetch(site + "/-/health")[0] == 200


def test_settings_limit_queries(site):
    settings = json.loads(text(site, "/-/settings.json"))
    assert (settings["sql_time_limit_ms"], settings["max_returned_rows"], settings["suggest_facets"]) == (
        1000,
        1000,
        False,
    )


def test_every_table_and_view_shows_its_metadata_in_both_languages(site, descriptor):
    for resource in descriptor["resources"]:
        for lang, obj in (("vi", resource), ("en", resource["i18n"]["en"])):
            html = unescape(text(site, f"/baocao/{resource['name']}", lang))
            assert f'<html lang="{lang}">' in html
            h1 = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
            assert obj["title"] in h1, (resource["name"], lang)
            assert obj["description"] in html, (resource["name"], lang)


def test_column_descriptions_follow_the_language(site, descriptor):
    observations = next(r for r in descriptor["resources"] if r["name"] == "observations")
    field = next(f for f in observations["schema"]["fields"] if f["name"] == "signed_value")
    assert field["description"] in unescape(text(site, "/baocao/observations", "vi"))
    assert field["i18n"]["en"]["description"] in unescape(text(site, "/baocao/observations", "en"))


@pytest.mark.parametrize(
    "query, table, expected",
    [
        ("giai ngan", "sections", "giải ngân"),
        ("dong rieng", "sections", "dong riềng"),
        ("Cho Don", "sections", "Chợ Đồn"),
        ("Chợ Đồn", "sections", "Chợ Đồn"),
        ("giai ngan", "mentions", "giải ngân"),
        ("nong thon moi", "indicators", "nông thôn mới"),
        ("HDND", "legal_documents", "HĐND"),
    ],
)
def test_search_ignores_diacritics(site, query, table, expected):
    rows = json.loads(text(site, f"/baocao/{table}.json?_shape=array&_search={urllib.parse.quote(query)}"))
    assert rows, (query, table)
    assert any(expected.lower() in json.dumps(r, ensure_ascii=False).lower() for r in rows)


def test_filtered_json_api(site):
    rows = json.loads(text(site, "/baocao/observations.json?_shape=array&topic_id=economy&measure=value&_sort=obs_id"))
    assert [(r["indicator_id"], r["value"], r["unit_id"]) for r in rows] == [
        ("grdp", 4128, "ty_dong"),
        ("product_taxes", 124.7, "ty_dong"),
        ("va_agriculture", 1040.1, "ty_dong"),
        ("va_construction", 361, "ty_dong"),
        ("va_industry", 289.7, "ty_dong"),
        ("va_industry_construction", 650.7, "ty_dong"),
        ("va_services", 2312.6, "ty_dong"),
    ]


def test_codes_stay_text(site):
    [row] = json.loads(
        text(
            site,
            "/baocao/observations.json?_shape=array&obs_id="
            + urllib.parse.quote("bac-kan-2024-h1/ntp_programmes_implemented/value"),
        )
    )
    assert row["value_text"] == "03"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_only_get_and_head(site, method):
    status, headers, body = fetch(site + "/baocao/observations", method=method, data=b"x=1")
    assert status == 405 and headers["allow"] == "GET, HEAD"


def test_write_sql_is_refused(site):
    status, _, body = fetch(site + "/baocao.json?sql=" + urllib.parse.quote("delete from mentions"))
    assert status == 400 and b"Statement must be a SELECT" in body
    assert json.loads(text(site, "/baocao.json?sql=select+count(*)+as+n+from+mentions&_shape=array")) == [{"n": 511}]


def test_protocol_relative_path_is_a_404(site):
    status, _, _ = fetch(site + "//example.com/foo/bar")
    assert status == 404


def test_security_headers(site):
    for path in ("/", "/baocao/observations", "/assets/charts/grdp_value.vi.svg", "/-/health"):
        status, headers, _ = fetch(site + path)
        headers = {k.lower(): v for k, v in headers.items()}
        assert status == 200, path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_an_old_language_parameter_leads_to_the_page_in_that_language_without_a_cookie(site):
    status, headers, _ = fetch(site + "/baocao/observations?topic_id=economy&_lang=en")
    headers = {k.lower(): v for k, v in headers.items()}
    assert status == 301
    assert headers["location"] == "/en/baocao/observations?topic_id=economy"
    assert "set-cookie" not in headers
    status, headers, _ = fetch(site + "/en/baocao/observations?_lang=vi")
    assert status == 301 and {k.lower(): v for k, v in headers.items()}["location"] == "/baocao/observations"


def test_every_link_of_an_english_page_stays_english_and_names_both_languages(site):
    html = text(site, "/baocao/observations?topic_id=economy", "en")
    links = re.findall(r'<a href="(/[^"]*)"(?![^>]*hreflang="vi")', html)  # but the link to the Vietnamese page
    assert links and all(h.startswith(("/en/", "/assets/")) for h in links), [
        h for h in links if not h.startswith(("/en/", "/assets/"))
    ]
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="(vi|en)" href="([^"]+)"', html))
    assert alternates["en"].endswith("/en/baocao/observations?topic_id=economy")
    assert alternates["vi"].endswith("/baocao/observations?topic_id=economy") and "/en/" not in alternates["vi"]
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html).group(1)
    assert canonical == unescape(alternates["en"])


def test_landing_page_in_both_languages(site, descriptor):
    vi, en = text(site, "/", "vi"), text(site, "/", "en")
    assert descriptor["title"] in unescape(vi) and descriptor["i18n"]["en"]["title"] in unescape(en)
    assert "Số liệu chính" in vi and "Key figures" in en
    assert "/assets/charts/grdp_value.vi.svg" in vi and "/assets/charts/grdp_value.en.svg" in en
    for href in re.findall(r'href="(/assets/downloads/[^"]+)"', vi):
        assert fetch(site + href)[0] == 200


def test_landing_json_ld(site):
    html = text(site, "/")
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Dataset"
    assert {n["@language"] for n in data["name"]} == {"vi", "en"}
    assert data["temporalCoverage"] == "2024-01-01/2024-06-30"
    assert data["spatialCoverage"]["address"]["addressRegion"] == "Bắc Kạn"
    listed = [d["file"] for d in Metadata().load("site.yaml")["downloads"]]
    assert [d["contentUrl"].rsplit("/", 1)[1] for d in data["distribution"]] == listed


def test_robots_may_index(site):
    body = text(site, "/robots.txt")
    assert "Allow: /" in body and "Disallow: /*.db" in body
    assert '<meta name="robots" content="index, follow">' in text(site, "/")


def test_charts_are_svg_in_both_languages(site):
    status, headers, body = fetch(site + "/assets/charts/grdp_value.en.svg")
    assert status == 200 and headers["content-type"].startswith("image/svg+xml")
    assert b"Value added of services" in body and b"2,312.6" in body
    vi = fetch(site + "/assets/charts/grdp_value.vi.svg")[2].decode()
    assert "Giá trị tăng thêm khu vực dịch vụ" in vi and "2.312,6" in vi
    budget = fetch(site + "/assets/charts/budget.en.svg")[2].decode()
    assert "Budget estimate" in budget


def test_canned_queries(site):
    rows = json.loads(text(site, "/baocao/failed_checks.json?_shape=array"))
    assert len(rows) == 3
    rows = json.loads(text(site, "/baocao/where_from.json?_shape=array&number=4.128"))
    assert [r["section"] for r in rows] == ["Tăng trưởng kinh tế"]
    assert "Indicators below half of plan" in text(site, "/baocao", "en")


def _download(site, name):
    status, _, body = fetch(site + f"/assets/downloads/{name}")
    assert status == 200
    return body


@pytest.mark.parametrize("name", ["baocao-csv.zip", "baocao-json.zip"])
def test_downloaded_packages_validate(site, tmp_path, name):
    zipfile.ZipFile(io.BytesIO(_download(site, name))).extractall(tmp_path)
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    if name == "baocao-json.zip":
        rows = json.loads((tmp_path / "observations.json").read_text(encoding="utf-8"))
        grdp = next(r for r in rows if r["obs_id"] == "bac-kan-2024-h1/grdp/value")
        assert (grdp["value"], grdp["value_text"]) == (4128, "4.128")


def test_xlsx_has_a_sheet_per_table_and_a_readme(site, descriptor):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(_download(site, "baocao.xlsx")), read_only=True)
    assert workbook.sheetnames == ["README"] + [r["name"][:31] for r in descriptor["resources"]]
    readme = [row for row in workbook["README"].iter_rows(values_only=True)]
    assert readme[1][1] == descriptor["title"] and readme[1][2] == descriptor["i18n"]["en"]["title"]
    header = next(workbook["observations"].iter_rows(values_only=True))
    assert header[:3] == ("obs_id", "report_id", "indicator_id")


def test_xlsx_sheets_have_a_frozen_header_a_filter_and_unique_names(site, descriptor):
    from openpyxl import load_workbook

    from baocao.site.downloads import sheet_name

    workbook = load_workbook(io.BytesIO(_download(site, "baocao.xlsx")))
    names = [n.lower() for n in workbook.sheetnames]
    assert len(set(names)) == len(names)
    observations = next(r for r in descriptor["resources"] if r["name"] == "observations")
    sheet = workbook["observations"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(observations['schema']['fields'])).column_letter}" + str(
        observations["rowCount"] + 1
    )
    # two long names that share their first 31 characters still get sheets of their own
    used = set()
    assert sheet_name("x" * 40, 1, used) != sheet_name("x" * 40 + "y", 1, used)


def test_downloads_are_reproducible(built, tmp_path):
    from baocao.site import downloads

    assert downloads.xlsx(built) == downloads.xlsx(built)
    assert downloads.csv_zip(built) == downloads.csv_zip(paths.DATAPACKAGE)


def test_sql_time_limit(site):
    slow = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    status, _, body = fetch(site + "/baocao.json?sql=" + urllib.parse.quote(slow))
    assert status == 400 and b"SQL query took too long" in body


def test_row_limit(site):
    many = "with recursive n(i) as (select 1 union all select i + 1 from n limit 5000) select i from n"
    data = json.loads(text(site, "/baocao.json?sql=" + urllib.parse.quote(many)))
    assert len(data["rows"]) == 1000 and data["truncated"] is True


def test_big_exports_point_to_the_downloads(site):
    assert "50 MB" in text(site, "/", "en") and "50 MB" in text(site, "/", "vi")


def test_formulas_are_neutralised_in_the_workbook_only(copy_of_package):
    from openpyxl import load_workbook

    from baocao.site import downloads

    path = copy_of_package / "units.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("billion VND", "=HYPERLINK(1)"), encoding="utf-8")
    assert downloads.neutralise("=1+1") == "'=1+1" and downloads.neutralise("+84") == "'+84"
    assert downloads.neutralise("- text") == "'- text" and downloads.neutralise("Chợ Đồn") == "Chợ Đồn"
    workbook = load_workbook(io.BytesIO(downloads.xlsx(copy_of_package)), read_only=True)
    names = [row[2] for row in workbook["units"].iter_rows(values_only=True)]
    assert "'=HYPERLINK(1)" in names and "=HYPERLINK(1)" not in names
    # the canonical CSV (and the zip of it) keeps the text as it is
    archive = zipfile.ZipFile(io.BytesIO(downloads.csv_zip(copy_of_package)))
    assert b"=HYPERLINK(1)" in archive.read("units.csv") and b"'=HYPERLINK" not in archive.read("units.csv")


def test_landing_links_the_facets_of_the_figures(site):
    html = text(site, "/", "en")
    href = unescape(re.search(r'id="browse-facets" href="([^"]+)"', html).group(1))
    data = json.loads(text(site, href.replace("/observations?", "/observations.json?")))
    facets = data["facet_results"]
    for name in ("topic_id", "measure", "obs_status", "unit_id"):
        assert facets[name]["results"] and all(r["count"] for r in facets[name]["results"])


def test_a_port_in_use_is_refused_in_one_line_with_exit_2(built, tmp_path):
    import socket
    import subprocess
    import sys

    from conftest import build_site_files

    db, site_dir = build_site_files(built, tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = ["serve", "--port", str(port), "--db", str(db), "--site-dir", str(site_dir)]
        result = subprocess.run(
            [sys.executable, "-m", "baocao", *command],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and f"127.0.0.1:{port}" in result.stderr and "in use" in result.stderr


def test_a_bad_sort_column_is_a_400_without_a_traceback(site):
    for path in ("/baocao/observations?_sort=value_xx", "/en/baocao/observations?_sort_desc=value_xx"):
        status, _, body = fetch(site + path)
        assert status == 400 and b"Traceback" not in body


def test_the_source_report_is_served_with_its_sha256(site, descriptor):
    import hashlib

    html = text(site, "/", "en")
    for source in descriptor["sources"]:
        name = source["path"].rsplit("/", 1)[-1]
        status, _, body = fetch(site + f"/assets/sources/{name}")
        assert status == 200 and hashlib.sha256(body).hexdigest() == source["sha256"]
        assert source["sha256"] in html


def test_sitemap_lists_each_page_in_both_languages(site):
    body = text(site, "/sitemap.xml")
    locs = re.findall(r"<loc>([^<]+)</loc>", body)
    paths = {urllib.parse.urlsplit(u).path for u in locs}
    assert "/" in paths and "/en/" in paths and "/baocao/observations" in paths and "/en/baocao/observations" in paths
    assert "Sitemap: " in text(site, "/robots.txt")


def test_json_ld_and_canonical_link_by_path_without_a_base_url(site):
    html = text(site, "/")
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["url"] == "/"
    assert all(d["contentUrl"].startswith("/assets/downloads/") for d in data["distribution"])
    assert re.search(r'<link rel="canonical" href="/"', html)


def _rewrite_resource(package, name: str, change) -> None:
    """Change a resource's CSV and declare its new size and sha256, as a build would."""
    import hashlib

    path = package / f"{name}.csv"
    data = change(path.read_text(encoding="utf-8")).encode("utf-8")
    path.write_bytes(data)
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == name:
            resource["bytes"], resource["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    (package / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")


def test_load_refuses_a_number_column_holding_text(copy_of_package, tmp_path):
    from baocao.core.errors import BaocaoError
    from baocao.database.load import load_package

    def spoil(text):
        lines = text.split("\n")
        lines[1] = lines[1].rsplit(",", 1)[0] + ",abc"  # topics.position
        return "\n".join(lines)

    _rewrite_resource(copy_of_package, "topics", spoil)
    with pytest.raises(BaocaoError, match="position: 'abc' is not an integer"):
        load_package(copy_of_package, tmp_path / "baocao.db")


def test_load_refuses_a_row_with_missing_cells_naming_its_line(copy_of_package, tmp_path):
    from baocao.core.errors import BaocaoError
    from baocao.database.load import load_package

    _rewrite_resource(copy_of_package, "topics", lambda text: text.rstrip("\n").rsplit("\n", 1)[0] + "\nx,y\n")
    lines = (copy_of_package / "topics.csv").read_text(encoding="utf-8").rstrip("\n").count("\n") + 1
    with pytest.raises(BaocaoError, match=f"topics.csv line {lines}: 2 cells"):
        load_package(copy_of_package, tmp_path / "baocao.db")


def test_search_folds_the_words_as_the_index_does():
    import sys

    sys.path.insert(0, str(paths.ROOT / "scripts" / "baocao" / "site" / "plugins"))
    from baocao_web.lang import fold

    from baocao.core.text import fold as text_fold

    report = (paths.SOURCES / "bac-kan-2024-h1.txt").read_text(encoding="utf-8")
    assert fold(report) == text_fold(report)
    assert fold("Chợ Đồn") == fold("cho don") == "cho don"


def test_the_parquet_copy_has_each_table_with_the_package_types_and_rows(built):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from baocao.site import downloads

    archive = downloads._zip(downloads.parquet_files(built))
    assert archive == downloads._zip(downloads.parquet_files(built))  # byte-identical from build to build
    descriptor = json.loads((built / "datapackage.json").read_text(encoding="utf-8"))
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        assert sorted(files.namelist()) == sorted(f"{r['name']}.parquet" for r in descriptor["resources"])
        for resource in descriptor["resources"]:
            table = pq.read_table(pa.BufferReader(files.read(f"{resource['name']}.parquet")))
            assert table.num_rows == resource["rowCount"], resource["name"]
            for field in resource["schema"]["fields"]:
                kind = table.schema.field(field["name"]).type
                expected = {"integer": pa.int64(), "number": pa.float64(), "date": pa.date32()}
                assert kind == expected.get(field["type"], kind), (resource["name"], field["name"], kind)


def test_json_ld_holds_no_markup_a_metadata_string_could_use_to_close_or_hide_the_script(descriptor):
    from baocao.site.landing import jsonld

    hostile = {**descriptor, "title": "<!--<script>alert(1)</script>&\u2028"}
    landing = {"reports": [{"province": "Bắc Kạn", "issuer_vi": "x", "issuer_en": "x"}], "downloads": []}
    text_ = jsonld(hostile, landing, "__BASE__")
    assert not any(c in text_ for c in "<>&\u2028")
    assert json.loads(text_)["name"][0]["@value"] == hostile["title"]


def test_a_site_moved_to_another_folder_serves_and_names_no_folder_of_the_machine_that_built_it(built, tmp_path):
    import shutil

    from conftest import build_site_files, serving

    first = tmp_path / "built-here"
    db, site_dir = build_site_files(built, first)
    moved = tmp_path / "moved-there"
    shutil.move(str(first), str(moved))
    written = [p for p in moved.rglob("*") if p.is_file() and p.suffix in (".json", ".db", ".zip", ".xlsx")]
    for path in written:
        assert str(first).encode() not in path.read_bytes(), path
    with serving(moved / db.name, moved / site_dir.name) as base:
        for path in ("/", "/en/", "/baocao/observations", "/baocao.json", "/-/health", "/sitemap.xml"):
            status, _, body = fetch(base + path)
            assert status == 200 and str(tmp_path).encode() not in body, path
        landing = text(base, "/")
        for href in re.findall(r'href="(/assets/downloads/[^"]+)"', landing):
            status, _, body = fetch(base + href)
            assert status == 200 and str(tmp_path).encode() not in body, href
