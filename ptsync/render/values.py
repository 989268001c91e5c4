"""How one field value reads in a plan: labels instead of ids, short text, files by hash."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TEXT_PREVIEW = 60


def show(field: str, value: Any, labels: Mapping[str, Mapping[str, str]]) -> str:
    if value is None:
        return "(none)"
    if field in labels:
        label = labels[field].get(str(value))
        return f"{label} ({value})" if label and field != "privacy" else (label or str(value))
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


def summary_line(create: int, update: int, delete: int, unchanged: int) -> str:
    return (
        f"Plan: {create} to create, {update} to update, {delete} to delete, {unchanged} unchanged."
    )
