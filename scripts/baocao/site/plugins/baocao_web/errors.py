"""Errors answered in the reader's language, with a status a client can act on."""

from __future__ import annotations

import sqlite3
from html import escape
from http import HTTPStatus


def error_status(datasette, exception) -> tuple[int, str]:
    """The status and message of an error that reached Datasette's error handler."""
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    if isinstance(exception, Base400):
        return exception.status, str(exception.args[0] if exception.args else "")
    if isinstance(exception, DatasetteError):
        message = exception.message
        if exception.title == "SQL Interrupted":
            message = f"SQL query took too long: the limit is {datasette.setting('sql_time_limit_ms')} ms"
        elif exception.message_is_html:
            message = exception.title or "Error"
        if exception.status == 500 and message.startswith(("Cannot sort", "Cannot use _sort", "Invalid _through")):
            return 400, message  # bad parameters, which Datasette reports as its own error
        return exception.status, message
    if isinstance(exception, sqlite3.DatabaseError):
        return 400, f"SQL refused: {exception}"  # e.g. a string or blob over the length limit
    return 500, HTTPStatus.INTERNAL_SERVER_ERROR.phrase


ERROR_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{status} {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/baocao.css"></head>
<body><main id="main"><h1>{status} {title}</h1><p{detail_lang}>{message}</p>
<p><a href="{home_href}">{home}</a></p></main></body></html>
"""


def response(request, status: int, message: str, lang: str, site: dict):
    """The error as JSON for the API, or a short page in the reader's language (metadata/interface.yaml)."""
    from datasette.utils.asgi import Response

    from .lang import localise

    if request.path.endswith(".json"):
        return Response.json({"ok": False, "error": message, "status": status, "title": None}, status=status)
    titles = site.get("errors") or {}
    title = titles.get(str(status)) or titles.get("500" if status >= 500 else "400") or {}
    page = ERROR_PAGE.format(
        lang=lang,
        status=status,
        title=escape(title.get(lang, "")),
        detail_lang="" if lang == "en" else ' lang="en"',  # Datasette's own message is English
        message=escape(message),
        home_href=localise("/", lang),
        home=escape(((site.get("ui") or {}).get("back_home") or {}).get(lang, "/")),
    )
    return Response.html(page, status=status)
