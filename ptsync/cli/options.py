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


class ExportFormat(StrEnum):
    yaml = "yaml"
    csv = "csv"
    xlsx = "xlsx"


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

_FLAG = re.compile(r"^-(?:[vq]+)$|^--(?:verbose|quiet|no-color)$")
_VALUED = ("--log-format",)


def hoist_globals(argv: Sequence[str], takes_value: Callable[[str], frozenset[str]]) -> list[str]:
    """Move ``-v``/``-q``/``--no-color``/``--log-format X`` typed after the command in front
    of it: click
    reads a group's options only before the command, people type ``ptsync plan -v``.

    ``takes_value(command)`` names the command's options that take a value, so that a value
    is never mistaken for an option (``--out -q`` stays). Nothing after ``--`` moves.
    """
    args = list(argv)
    index = _command_index(args)
    if index is None:
        return args
    head, command, rest = args[:index], args[index], args[index + 1 :]
    if not any(_FLAG.match(t) or t.split("=", 1)[0] in _VALUED for t in rest):
        return args  # the usual case: nothing to move (and no need to inspect the command)
    moved, kept = _split_globals(rest, takes_value(command))
    return [*head, *moved, command, *kept]


def _command_index(args: list[str]) -> int | None:
    """Skip the options already in front (and ``--log-format``'s value, which may look like
    a command) to find the command; None when there is none or ``--`` comes first, because
    then nothing follows a command and nothing may move.
    """
    index = 0
    while index < len(args) and args[index].startswith("-") and args[index] != "--":
        index += 2 if args[index] in _VALUED else 1
    if index >= len(args) or args[index] == "--":
        return None
    return index


def _is_joined_global(token: str) -> bool:
    """``--log-format=json`` carries its value with it, so it moves as one token."""
    return "=" in token and token.split("=", 1)[0] in _VALUED


def _split_globals(rest: list[str], valued: frozenset[str]) -> tuple[list[str], list[str]]:
    """Walk the words after the command in pairs where needed, so that a global's value goes
    with it and a command option's value (``--out -q``) stays put even when it looks global.
    """
    moved: list[str] = []
    kept: list[str] = []
    i = 0
    while i < len(rest):
        token = rest[i]
        if token == "--":
            kept += rest[i:]
            break
        has_next = i + 1 < len(rest)
        if _FLAG.match(token) or _is_joined_global(token):
            moved.append(token)
        elif token in _VALUED and has_next:
            moved += rest[i : i + 2]
            i += 1
        else:
            kept.append(token)
            if token in valued and has_next:
                kept.append(rest[i + 1])
                i += 1
        i += 1
    return moved, kept
