"""Files under the user cache folder: where they live, and reads and writes that never fail a run.

Everything ptsync keeps locally (tokens, resumable-upload sessions, file hashes, vocabularies,
video details) is a cache: a missing or corrupt file means "ask the server again", so reads
return None instead of raising and writes are atomic and owner-only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

log = logging.getLogger("ptsync.cache")


def cache_dir() -> Path:
    override = os.environ.get("PTSYNC_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("ptsync"))


def cache_key(*parts: str) -> str:
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
