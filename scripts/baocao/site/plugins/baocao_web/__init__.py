"""Helpers of the baocao Datasette plugin (plugins/baocao_site.py): language, cells, pages, limits.

They stand alone (no import of baocao), so that the serving image needs only Datasette.
"""
