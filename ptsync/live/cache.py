"""Accelerator caches under the user cache dir: video details and instance vocabularies.

Both are only accelerators. Details are keyed by uuid *and* ``updatedAt`` from the list
payload, and every PUT bumps ``updatedAt``, so a cached detail is either exactly what the
server would return or is ignored. Vocabularies are refetched whenever a manifest label is not
found in them. Deleting the cache, or a corrupt cache file, never changes a plan.

After an apply, the details of the videos it updated are known without asking: the entry the
plan used, with what apply wrote on top (``written``). Only their new ``updatedAt`` is not
known; ``ptsync.apply.warm`` learns it from one listing right after the writes and files the
entries under it (``confirm``), so the next plan finds them and any later edit misses them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from ptsync.cachefiles import cache_dir, cache_key, read_json, write_json
from ptsync.fields import DETAIL_FIELDS

log = logging.getLogger("ptsync.live.cache")
_VERSION = 1


class DetailCache:
    """uuid -> (updatedAt, detail fields) for one instance + user; loaded once, saved once."""

    def __init__(self, instance_url: str, username: str, *, enabled: bool = True):
        self.enabled = enabled
        self.path = cache_dir() / "details" / f"{cache_key(instance_url, username)}.json"
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, Any]] = {}
        self._pending: dict[str, tuple[str, dict[str, Any]]] = {}  # uuid -> (base, fields)
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

    def written(self, uuid: str, base_updated_at: str, changed: Mapping[str, Any]) -> None:
        """Apply changed ``uuid``'s detail fields to ``changed`` over the entry cached for
        ``base_updated_at`` (the version its plan saw); kept in memory until ``confirm``.
        Without that entry the next plan would not have used one either: nothing to keep."""
        if not self.enabled:
            return
        with self._lock:
            entry = self._entries.get(uuid)
            if not isinstance(entry, dict) or entry.get("updatedAt") != base_updated_at:
                return
            fields = entry.get("fields")
            if isinstance(fields, dict):
                # only the detail fields: the entry's list fields (name, privacy...) are those
                # of the old version, and a plan takes them from the listing, never from here
                merged = {
                    k: v
                    for k, v in {**fields, **_jsonable(changed)}.items()
                    if k in DETAIL_FIELDS or k == "description"
                }
                self._pending[uuid] = (base_updated_at, merged)

    def pending(self) -> int:
        """Entries waiting for their new ``updatedAt``."""
        return len(self._pending)

    def confirm(self, updated: Mapping[str, str]) -> int:
        """File each written entry under the ``updatedAt`` a listing made right after the
        writes shows for it (uuid -> updatedAt); one whose version did not move (the write did
        not happen after all) is dropped. Returns how many were kept."""
        kept = 0
        with self._lock:
            pending, self._pending = self._pending, {}
            for uuid, (base, fields) in pending.items():
                now = updated.get(uuid)
                if now is not None and now != base:
                    self._entries[uuid] = {"updatedAt": now, "fields": fields}
                    self._dirty = True
                    kept += 1
        return kept

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
