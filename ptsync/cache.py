"""Accelerator caches under the user cache dir: video details and instance vocabularies.

Both are only accelerators. Details are keyed by uuid *and* ``updatedAt`` from the list
payload, and every PUT bumps ``updatedAt``, so a cached detail is either exactly what the
server would return or is ignored. Vocabularies are refetched whenever a manifest label is not
found in them. Deleting the cache, or a corrupt cache file, never changes a plan.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

log = logging.getLogger("ptsync.cache")
_VERSION = 1


def cache_dir() -> Path:
    override = os.environ.get("PTSYNC_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("ptsync"))


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def read_json(path: Path) -> Any:
    """The file's JSON, or None when missing or unreadable (a cache must never fail a run)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        if path.exists():
            log.warning("ignoring unreadable cache file %s (%s)", path, exc)
        return None


def write_json(path: Path, data: Any) -> None:
    """Atomic write (temp file + rename) with owner-only permissions."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, separators=(",", ":"))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not write cache file %s (%s)", path, exc)
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)


class DetailCache:
    """uuid -> (updatedAt, detail fields) for one instance + user; loaded once, saved once."""

    def __init__(self, instance_url: str, username: str, *, enabled: bool = True):
        self.enabled = enabled
        self.path = cache_dir() / "details" / f"{_key(instance_url, username)}.json"
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
        self.path = cache_dir() / "vocabularies" / f"{_key(instance_url, username)}.json"

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
