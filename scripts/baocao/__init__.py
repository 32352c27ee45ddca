"""baocao: Vietnamese government reports, written as prose, as bilingual open data."""

__version__ = "0.1.0"
