"""Manifest labels matched against the instance's vocabularies, naming the valid choices.

Case-insensitive, by id, label or key, because instances can rename or add entries; a miss
says what would have been accepted (and the closest label), so the fix is in the message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ptsync.manifest.problems import suggestion


class Labels:
    """Resolves one kind of label against ``{id: label}``."""

    def __init__(self, kind: str, choices: Mapping[Any, str]):
        self.kind = kind
        self.by_id = dict(choices)
        self.by_label = {str(v).casefold(): k for k, v in choices.items()}
        self.by_key = {str(k).casefold(): k for k in choices}

    def __call__(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool):
            raise LookupError(self._unknown(value))
        if value in self.by_id:
            return value
        text = str(value).strip().casefold()
        if text in self.by_label:
            return self.by_label[text]
        if text in self.by_key:
            return self.by_key[text]
        raise LookupError(self._unknown(value))

    def _unknown(self, value: Any) -> str:
        labels = [str(v) for v in self.by_id.values()]
        hint = suggestion(str(value), labels)
        shown = ", ".join(f"{k} ({v})" for k, v in list(self.by_id.items())[:30])
        more = f", … {len(labels) - 30} more" if len(labels) > 30 else ""
        return f"unknown {self.kind} {value!r}{hint}; valid: {shown}{more}"


class Channels:
    """Resolves a channel name or id against the user's channels and those the manifest declares."""

    def __init__(self, channels: Mapping[str, int], declared: Iterable[str] = ()):
        self.by_name = {**{name: -1 for name in declared}, **channels}
        self.by_id = {v: k for k, v in channels.items()}

    def __call__(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value in self.by_id:
            return self.by_id[value]
        if isinstance(value, str) and value.strip() in self.by_name:
            return value.strip()
        names = sorted(self.by_name)
        hint = suggestion(str(value), names)
        raise LookupError(
            f"channel {value!r} is not one of your channels{hint}; yours: {', '.join(names)}"
        )
