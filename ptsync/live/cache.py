"""Accelerator caches under the user cache dir: video details and instance vocabularies.

Both are only accelerators. Details are keyed by uuid *and* ``updatedAt`` from the list
payload, and every PUT bumps ``updatedAt``, so a cached detail is either exactly what the
server would return or is ignored. Vocabularies are refetched whenever a manifest label is not
found in them. Deleting the cache, or a corrupt cache file, never changes a plan.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from ptsync.cachefiles import cache_dir, cache_key, read_json, write_json

log = logging.getLogger("ptsync.live.cache")
_VERSION = 1


class DetailCache:
    """uuid -> (updatedAt, detail fields) for one instance + user; loaded once, saved once."""

    def __init__(self, instance_url: str, username: str, *, enabled: bool = True):
        self.enabled = enabled
        self.path = cache_dir() / "details" / f"{cache_key(instance_url, username)}.json"
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, Any]] = {}
        self._dirty = False
        if enabled:
            data = read_json(self.path)
            if isinstance(data, dict) and data.get("version") == _VERSION:
                entries = data.get("entries")
                self._entries = entries if isinstance(entries, dict) else {}

    def get(self, uuid: str, updated_at: str) -> Mapping[str, Any] | None:
        if not self.enabled:
            return None
        entry = self._entries.get(uuid)
        if not isinstance(entry, dict) or entry.get("updatedAt") != updated_at:
            return None
        fields = entry.get("fields")
        return fields if isinstance(fields, dict) else None

    def put(self, uuid: str, updated_at: str, fields: Mapping[str, Any]) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._entries[uuid] = {"updatedAt": updated_at, "fields": _jsonable(fields)}
            self._dirty = True

    def save(self) -> None:
        if self.enabled and self._dirty:
            write_json(self.path, {"version": _VERSION, "entries": self._entries})
            self._dirty = False


def _jsonable(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}


class VocabularyCache:
    """The instance's vocabularies and the user's channels as last fetched, per instance + user."""

    def __init__(self, instance_url: str, username: str, *, enabled: bool = True):
        self.enabled = enabled
        self.path = cache_dir() / "vocabularies" / f"{cache_key(instance_url, username)}.json"

    def load(self) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        data = read_json(self.path)
        if isinstance(data, dict) and data.get("version") == _VERSION:
            vocab = data.get("vocabularies")
            return vocab if isinstance(vocab, dict) else None
        return None

    def save(self, vocabularies: Mapping[str, Any]) -> None:
        if self.enabled:
            write_json(self.path, {"version": _VERSION, "vocabularies": dict(vocabularies)})
