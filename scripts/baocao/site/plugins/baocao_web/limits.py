"""SQLite's limits on every connection Datasette opens, and a printf() that cannot loop a billion times."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
import time

# SQLite's limits on every connection Datasette opens. The longest text of the
# database is a section (under 6 KB; the whole first report is 80 KB), so 500 KB
# refuses nothing real, and refuses a query that would build a string of hundreds
# of MB. It is also what bounds the one call the time limit cannot stop: instr()
# compares every position, 0.9 s at 500 KB but 3.4 s at 1 MB.
SQLITE_LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: 500_000,  # bytes of a string, blob or row
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 100_000,  # bytes of one statement
    sqlite3.SQLITE_LIMIT_COLUMN: 500,  # columns of a result, index, GROUP BY or ORDER BY
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 250,  # depth of an expression tree
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 50,  # terms of a UNION / INTERSECT / EXCEPT
    sqlite3.SQLITE_LIMIT_FUNCTION_ARG: 32,  # arguments of a function
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,  # ATTACH
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 1_000,  # bytes of a LIKE or GLOB pattern
    sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER: 1_000,  # parameters of one statement
    sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH: 10,
}
# printf('%.*c', 999999999, 'x') loops a billion times inside one call, where
# the time limit cannot stop it, even when the length limit refuses the result
PRINTF_REPEAT = re.compile(r"%[-+ #!,0-9.*l]*\.[-+ #!,0-9.*l]*c")
_builtin = threading.local()


def _number(value) -> int:
    """What SQLite reads as a number in a printf argument, as a size (its leading digits for text)."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str):
        match = re.match(r"\s*[-+]?(\d+)", value)
        return int(match.group(1)) if match else 0
    return abs(int(value)) if isinstance(value, (int, float)) and value == value and abs(value) != float("inf") else 0


def printf(fmt, *args):
    """SQLite's printf() and format(); a character repeated past the length limit is NULL at once.
    Past the query's deadline, the query stops.

    SQLite answers NULL for a result over the length limit too, but only after the loop.
    """
    _check()
    text = fmt.decode("latin-1") if isinstance(fmt, bytes) else fmt
    longest = SQLITE_LIMITS[sqlite3.SQLITE_LIMIT_LENGTH]
    if (
        isinstance(text, str)
        and PRINTF_REPEAT.search(text)
        and any(n > longest for n in [*map(int, re.findall(r"\d+", text)), *map(_number, args)])
    ):
        return None
    if not hasattr(_builtin, "conn"):  # SQLite's own printf, on a connection of this thread with the same limits
        _builtin.conn = sqlite3.connect(":memory:")
        limit(_builtin.conn)
    placeholders = ", ".join("?" * (1 + len(args)))
    return _builtin.conn.execute(f"select printf({placeholders})", (fmt, *args)).fetchone()[0]


def limit(conn) -> None:
    """SQLite's limits above, on ``conn``."""
    for which, value in SQLITE_LIMITS.items():
        conn.setlimit(which, value)


# --- the time limit inside a call ---
#
# Datasette's time limit is a progress handler that SQLite calls every 1,000 instructions of its
# virtual machine: one call of a function is one instruction, so that a query calling instr() on a
# string of 500 KB a hundred times (0.9 s a call in SQLite's own instr, which compares at every
# position) ran for minutes before the handler was asked. Here the deadline of the query running on
# a thread is known to the functions below, which stop the query past it; instr(), replace() and the
# trims with characters of their own are done by Python's string search, linear in the input.

_deadline = threading.local()


class TimeLimit(Exception):
    pass


def timed(original):
    """Datasette's sqlite_timelimit, which also tells this thread's functions when the query must stop."""

    @contextlib.contextmanager
    def with_deadline(conn, ms):
        previous = getattr(_deadline, "at", None)
        _deadline.at = time.perf_counter() + ms / 1000
        try:
            with original(conn, ms):
                yield
        finally:
            _deadline.at = previous

    return with_deadline


def _check() -> None:
    at = getattr(_deadline, "at", None)
    if at is not None and time.perf_counter() >= at:
        raise TimeLimit("the query ran past the time limit")


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def instr(haystack, needle):
    _check()
    if haystack is None or needle is None:
        return None
    if isinstance(haystack, bytes) and isinstance(needle, bytes):
        return haystack.find(needle) + 1
    return str(_text(haystack)).find(str(_text(needle))) + 1


def replace(text, old, new):
    _check()
    if text is None or old is None or new is None:
        return None
    if isinstance(text, (int, float)):
        text = str(text)
    text, old, new = str(_text(text)), str(_text(old)), str(_text(new))
    if old == "":
        return text
    count = text.count(old)
    if len(text) + count * (len(new) - len(old)) > SQLITE_LIMITS[sqlite3.SQLITE_LIMIT_LENGTH]:
        raise OverflowError("string or blob too big")
    return text.replace(old, new)


def _trimmer(method: str):
    def trim(text, characters=" "):
        _check()
        if text is None or characters is None:
            return None
        if isinstance(text, bytes):
            chars = characters if isinstance(characters, bytes) else str(characters).encode("utf-8")
            return getattr(text, method)(chars)
        return getattr(str(text), method)(str(_text(characters)))

    return trim


def refused(*_args):
    raise sqlite3.OperationalError("this function is not available")


def install(conn) -> None:
    """The functions above on ``conn``, in place of SQLite's (and fts3_tokenizer, which returns or sets a
    pointer of the process, refused)."""
    conn.create_function("instr", 2, instr, deterministic=True)
    conn.create_function("replace", 3, replace, deterministic=True)
    for name, method in (("trim", "strip"), ("ltrim", "lstrip"), ("rtrim", "rstrip")):
        conn.create_function(name, 2, _trimmer(method), deterministic=True)
    for arguments in (1, 2):
        conn.create_function("fts3_tokenizer", arguments, refused)
