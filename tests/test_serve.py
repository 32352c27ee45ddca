import json
import urllib.error
import urllib.request


def get(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


def test_database_is_served_immutable(site):
    status, body = get(site + "/-/databases.json")
    assert status == 200
    [database] = json.loads(body)
    assert database["name"] == "baocao" and database["is_mutable"] is False


def test_settings_limit_queries(site):
    settings = json.loads(get(site + "/-/settings.json")[1])
    assert settings["sql_time_limit_ms"] == 1000
    assert settings["max_returned_rows"] == 1000
    assert settings["suggest_facets"] is False


def test_table_and_filtered_json(site):
    status, _ = get(site + "/baocao/mentions")
    assert status == 200
    rows = json.loads(get(site + "/baocao/mentions.json?_shape=array&value_text=4.128&unit_id=ty_dong")[1])
    assert [(r["section_id"], r["value"], r["expression"]) for r in rows] == [
        ("bac-kan-2024-h1/I.1", 4128.0, "4.128 tỷ đồng")
    ]


def test_metadata_shows_on_the_table_page(site):
    html = get(site + "/baocao/mentions")[1]
    assert "Các con số trong báo cáo" in html and "Figures mentioned in the reports" in html


def test_write_sql_is_refused(site):
    url = site + "/baocao.json?sql=" + urllib.parse.quote("delete from mentions")
    try:
        status, body = get(url)
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    assert status == 400
    assert "Statement must be a SELECT" in body
    assert json.loads(get(site + "/baocao.json?sql=select+count(*)+as+n+from+mentions&_shape=array")[1]) == [{"n": 512}]
