"""How one field value reads in a plan: labels instead of ids, files by hash, texts in full.

A value is never cut: a name changed at its 61st character shows both names whole. A long or
multi-line text (``diffed``) reads as a diff of the lines that changed (``render.textdiff``).
Text output is wrapped to ``output_width``: the terminal's width, or ``PLAIN_WIDTH`` when the
plan goes to a file, a pipe or a CI log (markdown code blocks use ``PLAIN_WIDTH`` too).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

PLAIN_WIDTH = 100
MIN_WIDTH = 40
LONG_TEXT = 80  # a description or support text longer than this reads as a diff
DIFFED_FIELDS = frozenset({"description", "support"})  # videos', channels' and playlists'


def show(field: str, value: Any, labels: Mapping[str, Mapping[str, str]]) -> str:
    if value is None:
        return "(none)"
    if field in labels:
        label = labels[field].get(str(value))
        plain = field in ("privacy", "playlistPrivacy")  # the label is the whole story
        return f"{label} ({value})" if label and not plain else (label or str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if field in ("thumbnail", "source") or field.startswith("captions."):
        return f"file {value}"
    if isinstance(value, str):
        return '"' + value.replace("\n", "\\n") + '"'
    return str(value)


def diffed(field: str, old: Any, new: Any) -> bool:
    """Whether a change reads better as a diff of lines than as ``old → new``: texts of
    several lines, and long descriptions and support texts."""
    values = [v for v in (old, new) if v is not None]
    if not values or not all(isinstance(v, str) for v in values):
        return False
    if any("\n" in v for v in values):
        return True
    return field in DIFFED_FIELDS and any(len(v) > LONG_TEXT for v in values)


def output_width(stream: TextIO | None = None) -> int:
    """The terminal's width (as rich measures it) when ``stream`` is one, else PLAIN_WIDTH."""
    stream = stream or sys.stdout
    if not getattr(stream, "isatty", lambda: False)():
        return PLAIN_WIDTH
    from rich.console import Console

    return max(MIN_WIDTH, Console(file=stream).width)


def label_field(resource: str, field: str) -> str:
    """The ``labels`` key for a resource's field (playlists have their own privacies)."""
    return "playlistPrivacy" if resource == "playlist" and field == "privacy" else field


def unchanged_line(count: int) -> str:
    """``1 video matches the manifest.`` / ``3 videos match the manifest.``"""
    return f"{count} video{' matches' if count == 1 else 's match'} the manifest."


def attention_line(count: int) -> str:
    """After the summary, when notices need a person (``Plan.needs_attention``)."""
    if not count:
        return ""
    return f" {count} notice{' needs' if count == 1 else 's need'} attention (marked !)."


def summary_line(create: int, update: int, delete: int, unchanged: int) -> str:
    return (
        f"Plan: {create} to create, {update} to update, {delete} to delete, {unchanged} unchanged."
    )
