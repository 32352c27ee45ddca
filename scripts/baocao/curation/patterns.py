"""Locator patterns: expanded and compiled when metadata is read, matched within a time budget.

A pattern is a regular expression over a section's clean text in which ``{value}``
marks the figure to take, ``{num}`` any other number and ``{any}`` any character
that does not end a clause. Patterns run on the ``regex`` engine, whose matching
can be stopped: a pattern that backtracks catastrophically on some text, such as
``(.*?,?)*Z{value}``, stops the build with one line instead of hanging it.
"""

from __future__ import annotations

import functools

import regex

from baocao.core.errors import BaocaoError
from baocao.reading.numbers import NUM

# any character that does not end a clause: "." only inside a number (4.128), never ";"
ANY = r"(?:[^.;\n]|(?<=\d)\.(?=\d))"

# seconds one pattern may take over one section; ordinary patterns take well under a millisecond
MATCH_SECONDS = 2.0


def expand(pattern: str) -> str:
    return pattern.replace("{value}", f"(?P<value>{NUM})").replace("{num}", NUM).replace("{any}", ANY)


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> regex.Pattern[str]:
    return regex.compile(expand(pattern), regex.M | regex.V0)


def check_pattern(pattern: str, where: str) -> None:
    """Refuse a pattern without exactly one ``{value}``, or one that is not a regular expression."""
    if pattern.count("{value}") != 1:
        raise BaocaoError(f"pattern {pattern!r} must hold {{value}} once", where)
    try:
        compile_pattern(pattern)
    except regex.error as error:
        raise BaocaoError(f"pattern {pattern!r} is not a regular expression ({error.msg})", where) from None


def find_all(pattern: str, text: str, where: str, section: str) -> list[regex.Match[str]]:
    """Every match of ``pattern`` in ``text``, or a one-line error if matching takes longer than the budget."""
    try:
        return list(compile_pattern(pattern).finditer(text, timeout=MATCH_SECONDS))
    except TimeoutError:
        raise BaocaoError(
            f"pattern {pattern!r} took over {MATCH_SECONDS:g} s on section {section}: it backtracks "
            "catastrophically (a repeat inside a repeat, such as (.*?,?)*); write it without nested repeats",
            where,
        ) from None
