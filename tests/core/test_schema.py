"""Every metadata file has a JSON Schema, the schemas are valid JSON Schema, and the project's metadata meets them."""

from pathlib import Path

import jsonschema
import pytest

from baocao.core import paths
from baocao.core.metadata import Metadata
from baocao.core.schema import schema, schema_name

FILES = [
    *sorted(paths.METADATA.glob("*.yaml")),
    *sorted((paths.METADATA / "indicators").glob("*.yaml")),
    *sorted((paths.METADATA / "locators").rglob("*.yaml")),
    *sorted((paths.METADATA / "vocabulary").glob("*.yaml")),
]
SCHEMAS = sorted((Path(__file__).parents[2] / "scripts/baocao/schemas").glob("*.schema.json"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_metadata_file_has_a_schema(path):
    assert schema(schema_name(path)) is not None


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_schema_is_valid_json_schema(path):
    document = schema(path.name.removesuffix(".schema.json"))
    jsonschema.validators.validator_for(document).check_schema(document)


def test_the_project_metadata_meets_its_schemas():
    Metadata().check_all()  # raises BaocaoError naming the file, the place and the reason
