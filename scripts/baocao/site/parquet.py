"""The package as Parquet: one file per table with the types of its Table Schema, for DuckDB, pandas or Spark.

Numbers become 64-bit floats, integers 64-bit integers, dates dates and booleans booleans;
an empty cell is a null, as in the package. The files carry no time: byte-identical from
build to build.
"""

from __future__ import annotations

import json
from pathlib import Path

# Table Schema type → Arrow type name; any other type stays text
ARROW_TYPES = {"integer": "int64", "number": "float64", "boolean": "bool", "date": "date32", "year": "int64"}


def parquet_files(package_dir: Path) -> dict[str, bytes]:
    """{resource name.parquet: the Parquet bytes} for every resource of the package."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    descriptor = json.loads((Path(package_dir) / "datapackage.json").read_text(encoding="utf-8"))
    out = {}
    for resource in descriptor["resources"]:
        fields = resource["schema"]["fields"]
        types = {f["name"]: pa.type_for_alias(ARROW_TYPES.get(f["type"], "string")) for f in fields}
        table = pacsv.read_csv(
            Path(package_dir) / resource["path"],
            read_options=pacsv.ReadOptions(use_threads=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=True,
                true_values=["true"],
                false_values=["false"],
            ),
        )
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd", use_dictionary=True, write_statistics=True)
        out[f"{resource['name']}.parquet"] = sink.getvalue().to_pybytes()
    return out
