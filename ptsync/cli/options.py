"""Command-line values: checked where they are typed, so a wrong one is a one-line error
(exit 1) before anything runs, and the global options work wherever people put them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import StrEnum

import typer

RATE_OFF = ("off", "none")
_RATE = re.compile(r"^\s*(?P<count>[+-]?\d+)\s*(?:/\s*(?P<seconds>[+-]?[\d.]+)\s*)?$")


class LogFormat(StrEnum):
    text = "text"
    json = "json"


class StatusFormat(StrEnum):
    text = "text"
    json = "json"


def parse_rate(text: str) -> tuple[int, float] | None:
    """``REQUESTS/SECONDS`` (``50/10``; ``50`` means per second), or None for ``off``."""
    if text.strip().lower() in RATE_OFF:
        return None
    found = _RATE.match(text)
    try:
        count = int(found["count"]) if found else None
        seconds = float(found["seconds"] or 1) if found else None
    except ValueError:
        count = seconds = None
    if count is None or seconds is None:
        raise typer.BadParameter(f"{text!r}: expected REQUESTS/SECONDS (e.g. 50/10) or 'off'")
    if count < 1:
        raise typer.BadParameter(f"{text!r}: REQUESTS must be at least 1 (or 'off')")
    if seconds <= 0:
        raise typer.BadParameter(f"{text!r}: SECONDS must be more than 0")
    return count, seconds


def check_rate(text: str | None) -> str | None:
    """typer callback: refuse a bad --rate-limit while parsing the command line."""
    if text is not None:
        parse_rate(text)
    return text


# ---------------------------------------------------------------------- global options anywhere

_FLAG = re.compile(r"^-(?:[vq]+)$|^--(?:verbose|quiet)$")
_VALUED = ("--log-format",)


def hoist_globals(argv: Sequence[str], takes_value: Callable[[str], frozenset[str]]) -> list[str]:
    """Move ``-v``/``-q``/``--log-format X`` typed after the command in front of it: click
    reads a group's options only before the command, people type ``ptsync plan -v``.

    ``takes_value(command)`` names the command's options that take a value, so that a value
    is never mistaken for an option (``--out -q`` stays). Nothing after ``--`` moves.
    """
    args = list(argv)
    index = 0
    while index < len(args) and args[index].startswith("-") and args[index] != "--":
        index += 2 if args[index] in _VALUED else 1
    if index >= len(args) or args[index] == "--":
        return args
    head, command, rest = args[:index], args[index], args[index + 1 :]
    if not any(_FLAG.match(t) or t.split("=", 1)[0] in _VALUED for t in rest):
        return args  # the usual case: nothing to move (and no need to inspect the command)
    valued = takes_value(command)
    moved: list[str] = []
    kept: list[str] = []
    i = 0
    while i < len(rest):
        token = rest[i]
        if token == "--":
            kept += rest[i:]
            break
        if _FLAG.match(token):
            moved.append(token)
        elif token in _VALUED and i + 1 < len(rest):
            moved += rest[i : i + 2]
            i += 1
        elif token.split("=", 1)[0] in _VALUED and "=" in token:
            moved.append(token)
        else:
            kept.append(token)
            if token in valued and i + 1 < len(rest):
                kept.append(rest[i + 1])
                i += 1
        i += 1
    return [*head, *moved, command, *kept]
