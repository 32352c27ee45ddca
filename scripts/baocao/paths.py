"""Where things live, computed from this file, never from the working directory."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
METADATA = ROOT / "metadata"
SOURCES = ROOT / "sources"
DATAPACKAGE = ROOT / "datapackage"
BUILD = ROOT / "build"
DATABASE = BUILD / "baocao.db"
INSPECT_FILE = BUILD / "inspect.json"
DATASETTE_METADATA = BUILD / "datasette-metadata.json"
