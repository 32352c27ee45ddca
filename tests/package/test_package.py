import csv
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from frictionless import Package, validate

from baocao.core import paths
from baocao.reading.numbers import parse_number
from conftest import REPORT

BAOCAO = [sys.executable, "-m", "baocao"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def test_committed_package_is_what_build_produces(built):
    assert snapshot(built) == snapshot(paths.DATAPACKAGE), "datapackage/ is stale: run `make build` and commit"


def test_package_is_valid_with_real_frictionless(built):
    report = validate(str(built / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    result = subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", "--json", str(built / "datapackage.json")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and json.loads(result.stdout)["valid"] is True


def test_baocao_validate(built):
    result = subprocess.run(BAOCAO + ["validate", str(built)], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith(f"valid: {built / 'datapackage.json'} (reports 1, sections 47, footnotes 4,")


def test_files_are_utf8_lf_without_bom(built):
    for path in built.iterdir():
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data, path.name
        data.decode("utf-8")


def test_every_mention_points_into_its_section(built):
    sections = {row["section_id"]: row["text"] for row in read_csv(built / "sections.csv")}
    mentions = read_csv(built / "mentions.csv")
    assert len(mentions) > 400
    for row in mentions:
        text = sections[row["section_id"]]
        start, end = int(row["quote_start"]), int(row["quote_end"])
        assert text[start:end] == row["quote"], row["mention_id"]
        assert row["value_text"] in row["quote"], row["mention_id"]
        assert text[int(row["value_start"]) : int(row["value_end"])] == row["value_text"]
        assert parse_number(row["value_text"]).value == Decimal(row["value"]), row["mention_id"]


def test_every_statement_points_into_its_section_as_its_mention_does(built):
    sections = {row["section_id"]: row["text"] for row in read_csv(built / "sections.csv")}
    mentions = {row["mention_id"]: row for row in read_csv(built / "mentions.csv")}
    statements = read_csv(built / "statements.csv")
    assert statements and set(mentions) == {row["statement_id"] for row in statements}  # every figure is typed
    for row in statements:
        text = sections[row["section_id"]]
        assert text[int(row["quote_start"]) : int(row["quote_end"])] == row["quote"], row["statement_id"]
        assert text[int(row["value_start"]) : int(row["value_end"])] == row["value_text"], row["statement_id"]
        mention = mentions[row["statement_id"]]
        assert (row["value"], row["unit_id"], row["quote"]) == (mention["value"], mention["unit_id"], mention["quote"])


def test_every_citation_points_into_its_section(built):
    sections = {row["section_id"]: row["text"] for row in read_csv(built / "sections.csv")}
    for row in read_csv(built / "legal_citations.csv"):
        text = sections[row["section_id"]]
        assert text[int(row["quote_start"]) : int(row["quote_end"])] == row["quote"]
        assert text[int(row["citation_start"]) : int(row["citation_end"])] == row["citation"]


def _bilingual_objects(descriptor):
    yield "package", descriptor
    for license in descriptor["licenses"]:
        yield "license", license
    for source in descriptor["sources"]:
        yield "source", source
    for resource in descriptor["resources"]:
        yield resource["name"], resource
        for field in resource["schema"]["fields"]:
            yield f"{resource['name']}.{field['name']}", field


def test_every_title_and_description_has_an_english_twin(built):
    descriptor = json.loads((built / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["languages"] == ["vi", "en"]
    checked = 0
    for where, obj in _bilingual_objects(descriptor):
        for key in ("title", "description"):
            if key in obj:
                assert isinstance(obj[key], str) and obj[key].strip(), f"{where}.{key} is empty"
                english = obj["i18n"]["en"].get(key)
                assert isinstance(english, str) and english.strip(), f"{where}.{key} has no English twin"
                checked += 1
    assert checked > 200


def test_code_lists_are_bilingual(built):
    for name in ("units", "statuses", "document_types"):
        for row in read_csv(built / f"{name}.csv"):
            assert row["name_vi"].strip() and row["name_en"].strip(), (name, row)


def test_every_section_title_has_english(built):
    for row in read_csv(built / "sections.csv"):
        assert row["title_en"].strip(), row["section_id"]


def test_schema_constraints(built):
    package = Package(str(built / "datapackage.json"))
    mentions = package.get_resource("mentions").schema
    assert mentions.primary_key == ["mention_id"]
    assert {fk["reference"]["resource"] for fk in mentions.foreign_keys} == {"reports", "sections", "units", "statuses"}
    assert mentions.get_field("obs_status").constraints["enum"] == [
        "lower_bound",
        "upper_bound",
        "projected",
        "estimated",
        "approximate",
        "normal",
    ]
    resource = json.loads((built / "datapackage.json").read_text())["resources"][0]
    assert resource["encoding"] == "utf-8" and resource["hash"].startswith("sha256:")


def test_report_row_records_provenance(built):
    [report] = read_csv(built / "reports.csv")
    assert report["report_id"] == "bac-kan-2024-h1"
    assert report["sha256"] == "170dc439195a207da36a2192a5ee89ebaa7d4a3d3bc61f71dcf37fc51bffd530"
    assert (report["period_start"], report["period_end"]) == ("2024-01-01", "2024-06-30")
    assert report["duplicate_section_numbers"] == "I.2.4: bac-kan-2024-h1/I.2.4, bac-kan-2024-h1/I.2.4_2"
    assert report["page_breaks_repaired"] == "16"
    assert report["signer"] == "TM. ỦY BAN NHÂN DÂN — CHỦ TỊCH — Nguyễn Đăng Bình"


def test_broken_foreign_key_fails_validation(copy_of_package):
    path = copy_of_package / "mentions.csv"
    text = path.read_text(encoding="utf-8").replace(",ty_dong,", ",ty_dongx,", 1)
    path.write_text(text, encoding="utf-8")
    descriptor = json.loads((copy_of_package / "datapackage.json").read_text())
    for resource in descriptor["resources"]:  # keep checksums right, so only the key is wrong
        resource.pop("hash"), resource.pop("bytes")
    (copy_of_package / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    result = subprocess.run(BAOCAO + ["validate", str(copy_of_package)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "mentions" in result.stdout and "ty_dongx" in result.stdout


def test_tampered_file_fails_validation(copy_of_package):
    path = copy_of_package / "units.csv"
    path.write_bytes(path.read_bytes().replace(b"billion VND", b"billion USD"))
    result = subprocess.run(BAOCAO + ["validate", str(copy_of_package)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "units: sha256 differs" in result.stdout or "hash" in result.stdout


def test_bad_content_is_refused_even_with_a_provenance_record(tmp_path, copy_of_package):
    # A copy of the real report's metadata, pointing at a broken copy of the report.
    metadata = tmp_path / "metadata"
    import shutil

    shutil.copytree(paths.METADATA, metadata)
    broken = tmp_path / "bac-kan-2024-h1.txt"
    broken.write_bytes(REPORT.read_bytes()[:5000].decode("utf-8", "ignore").encode("utf-16"))
    from baocao.core.errors import BaocaoError
    from baocao.core.metadata import Metadata
    from baocao.package.pipeline import run

    with pytest.raises(BaocaoError, match="is UTF-16 encoded"):
        run([broken], Metadata(metadata))


def test_changed_report_is_refused_by_checksum(tmp_path, copy_of_package):
    changed = tmp_path / "bac-kan-2024-h1.txt"
    changed.write_text(REPORT.read_text(encoding="utf-8").replace("4.128 tỷ", "4.129 tỷ"), encoding="utf-8")
    before = snapshot(copy_of_package)
    result = subprocess.run(
        BAOCAO + ["build", "--source", str(changed), "--out", str(copy_of_package)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "does not match metadata/sources.yaml" in result.stderr
    assert snapshot(copy_of_package) == before


def test_report_without_provenance_or_period_is_refused(tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("1. Mục\n\nCó 5 ha.\n", encoding="utf-8")
    result = subprocess.run(
        BAOCAO + ["build", "--source", str(other), "--out", str(tmp_path / "out")], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"baocao: error: {other}: no reporting period in the title or the first sentences (such as "
        "'6 tháng đầu năm 2024', 'quý III/2024', 'tháng 10 năm 2023'); give it with --period (for example "
        "--period 2024-H1)\n"
    )
    assert not (tmp_path / "out").exists()


def test_malformed_metadata_is_one_line(tmp_path):
    import shutil

    from baocao.core.errors import BaocaoError
    from baocao.core.metadata import Metadata

    metadata = tmp_path / "metadata"
    shutil.copytree(paths.METADATA, metadata)
    (metadata / "units.yaml").write_text("units:\n  - {id: ha, name_vi: [\n", encoding="utf-8")
    with pytest.raises(BaocaoError, match=r"units.yaml: line \d+, column \d+: malformed YAML"):
        Metadata(metadata).units
    (metadata / "units.yaml").write_text("units: []\ncolour: red\n", encoding="utf-8")
    with pytest.raises(BaocaoError, match=r"metadata/units.yaml: unknown key 'colour'"):
        Metadata(metadata).units


def test_the_package_homepage_is_the_public_address_set_in_metadata_or_none(tmp_path):
    from baocao.core.metadata import Metadata
    from baocao.package.descriptor import build_descriptor

    meta = tmp_path / "metadata"
    shutil.copytree(paths.METADATA, meta)
    assert "homepage" not in build_descriptor(Metadata(meta), [])  # served anywhere: no address is claimed
    interface = meta / "interface.yaml"
    interface.write_text(
        interface.read_text(encoding="utf-8").replace('base_url: ""', 'base_url: "https://data.example.vn/"'),
        encoding="utf-8",
    )
    assert build_descriptor(Metadata(meta), [])["homepage"] == "https://data.example.vn/"


def test_validate_fetches_no_address_a_package_names(copy_of_package):
    import http.server
    import threading

    requests = []

    class Counting(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        descriptor = json.loads((copy_of_package / "datapackage.json").read_text())
        descriptor["resources"][0]["schema"] = f"{address}/schema.json"
        descriptor["resources"][1]["dialect"] = f"{address}/dialect.json"
        descriptor["profile"] = f"{address}/profile.json"
        (copy_of_package / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
        result = subprocess.run(BAOCAO + ["validate", str(copy_of_package)], capture_output=True, text=True)
    finally:
        server.shutdown()
    assert result.returncode == 1 and requests == []
    names = [descriptor["resources"][0]["name"], descriptor["resources"][1]["name"]]
    assert f"{names[0]}: schema" in result.stdout and f"{names[1]}: dialect" in result.stdout
    assert "package: profile" in result.stdout


def test_validate_follows_no_link_out_of_the_package(copy_of_package, tmp_path):
    outside = tmp_path / "secret.csv"
    outside.write_text("secret-first-line,x\n1,2\n", encoding="utf-8")
    (copy_of_package / "units.csv").unlink()
    (copy_of_package / "units.csv").symlink_to(outside)
    result = subprocess.run(BAOCAO + ["validate", str(copy_of_package)], capture_output=True, text=True)
    assert result.returncode == 1 and "units: path 'units.csv' is a link to a file outside" in result.stdout
    assert "secret-first-line" not in result.stdout + result.stderr


def test_frictionless_itself_fails_a_package_whose_row_count_was_edited(copy_of_package):
    descriptor = json.loads((copy_of_package / "datapackage.json").read_text())
    [units] = [r for r in descriptor["resources"] if r["name"] == "units"]
    assert units["rows"] == units["rowCount"] > 0
    units["rows"] += 1
    (copy_of_package / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    result = subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", "--json", str(copy_of_package / "datapackage.json")],
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout)
    assert result.returncode != 0 and report["valid"] is False
    assert "row-count" in json.dumps(report)
