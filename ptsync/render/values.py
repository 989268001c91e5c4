"""How one field value reads in a plan: labels instead of ids, short text, files by hash."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

TEXT_PREVIEW = 60
DIFFED_FIELDS = frozenset({"description", "support"})  # long texts: shown as a line diff


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
        return _quote(value)
    return str(value)


def _quote(text: str) -> str:
    flat = text.replace("\n", "\\n")
    if len(flat) > TEXT_PREVIEW:
        return f'"{flat[: TEXT_PREVIEW - 1]}…" ({len(text)} chars)'
    return f'"{flat}"'


def label_field(resource: str, field: str) -> str:
    """The ``labels`` key for a resource's field (playlists have their own privacies)."""
    return "playlistPrivacy" if resource == "playlist" and field == "privacy" else field


def is_long_text(field: str, old: Any, new: Any, *, multiline_only: bool = False) -> bool:
    """Whether a text change reads better as a line diff than as ``old → new``."""
    values = [v for v in (old, new) if v is not None]
    if field not in DIFFED_FIELDS or not values or not all(isinstance(v, str) for v in values):
        return False
    if any("\n" in v for v in values):
        return True
    return not multiline_only and any(len(v) > TEXT_PREVIEW for v in values)


def line_diff(old: str | None, new: str | None, context: int = 1) -> list[str]:
    """A small unified diff of two texts (hunk headers and ``-``/``+``/`` `` lines only)."""
    lines = difflib.unified_diff(
        (old or "").splitlines(), (new or "").splitlines(), lineterm="", n=context
    )
    return list(lines)[2:]  # without the ---/+++ file headers


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
