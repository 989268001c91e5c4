"""Files under the user cache folder: where they live, and reads and writes that never fail a run.

Everything ptsync keeps locally (tokens, resumable-upload sessions, file hashes, vocabularies,
video details) is a cache: a missing or corrupt file means "ask the server again", so reads
return None instead of raising and writes are atomic and owner-only.

Names derived from a secret (the token cache is keyed by the password too, so a changed
password never reuses a token) use ``keyed_hash``: an HMAC with a random key kept in the cache
folder (``0600``), never the secret itself nor a plain hash of it, which could be tested
against guesses by anyone who can list the folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

log = logging.getLogger("ptsync.cache")
KEY_FILE = "hmac.key"


def cache_dir() -> Path:
    override = os.environ.get("PTSYNC_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("ptsync"))


def cache_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def keyed_hash(*parts: str) -> str | None:
    """An HMAC-SHA256 of ``parts`` under the cache folder's own key (hex, 32 characters), or
    None when the key cannot be read or made (then nothing secret-derived is cached)."""
    key = _secret_key()
    if key is None:
        return None
    return hmac.new(key, "\0".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


def _secret_key() -> bytes | None:
    """32 random bytes in ``hmac.key`` (0600), made on first use; a race makes it once. A
    malformed key is replaced: what it named can no longer be found, which a cache allows."""
    path = cache_dir() / KEY_FILE
    for _ in range(2):
        try:
            key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        except FileNotFoundError:
            _new_key(path, replace=False)
            continue
        except ValueError:
            key = b""
        except OSError as exc:
            log.warning("cannot read the cache key %s (%s)", path, exc)
            return None
        if len(key) >= 32:
            return key
        log.warning("replacing the malformed cache key %s", path)
        _new_key(path, replace=True)
    return None


def _new_key(path: Path, *, replace: bool) -> None:
    """Written aside, then linked into place: readers never see a half-written key, and of
    two runs making one at once, the first link wins and both use it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-key-")
    except OSError as exc:
        log.warning("cannot create the cache key %s (%s)", path, exc)
        return
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    except FileExistsError:
        pass
    except OSError as exc:
        log.warning("cannot create the cache key %s (%s)", path, exc)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


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
