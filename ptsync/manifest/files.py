"""Local files a manifest references: where they are allowed to be, and their content hashes.

Paths are relative to the manifest file and must stay inside its folder, so a manifest from a
pull request cannot make CI upload ``/etc/passwd`` or ``../../secrets``. (A symlink inside the
folder is followed: that is the deliberate way to point at a media disk.)

Hashes are streamed (flat memory for multi-GB videos) and remembered per (path, size, mtime)
in the cache dir so a plan does not re-read unchanged files; the cache only saves time.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from ptsync.cache import cache_dir, read_json, write_json
from ptsync.marker import HASH_LEN

VIDEO_EXTENSIONS = frozenset(
    [
        ".mp4",
        ".webm",
        ".ogv",
        ".ogg",
        ".mkv",
        ".mov",
        ".qt",
        ".mqv",
        ".m4v",
        ".flv",
        ".f4v",
        ".wmv",
        ".avi",
        ".3gp",
        ".3gpp",
        ".3g2",
        ".3gpp2",
        ".nut",
        ".mts",
        ".m2ts",
        ".mpv",
        ".m2v",
        ".m1v",
        ".mpg",
        ".mpe",
        ".mpeg",
        ".vob",
        ".mxf",
        ".mp3",
        ".wma",
        ".wav",
        ".flac",
        ".aac",
        ".m4a",
        ".ac3",
    ]
)
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp"})
CAPTION_EXTENSIONS = frozenset({".vtt", ".srt"})
_CHUNK = 1 << 20


class PathProblem(ValueError):
    pass


def local_path(base_dir: Path, relative: str, extensions: frozenset[str] | None = None) -> Path:
    """The absolute path of ``relative`` (inside ``base_dir``), or PathProblem saying why not."""
    if not relative or not relative.strip():
        raise PathProblem("empty file path")
    given = Path(relative)
    if given.is_absolute():
        raise PathProblem(f"{relative!r}: use a path relative to the manifest's folder")
    base = Path(os.path.abspath(base_dir))
    full = Path(os.path.normpath(base / given))
    if full != base and base not in full.parents:
        raise PathProblem(f"{relative!r} points outside the manifest's folder")
    if extensions is not None and full.suffix.lower() not in extensions:
        allowed = ", ".join(sorted(extensions))
        raise PathProblem(f"{relative!r}: unsupported file type (allowed: {allowed})")
    if not full.is_file():
        raise PathProblem(f"{relative!r}: no such file")
    return full


class DigestCache:
    """Content hashes by (path, size, mtime_ns); thread-safe; saved once per run."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._path = cache_dir() / "digests.json" if enabled else None
        self._lock = threading.Lock()
        self._dirty = False
        loaded = read_json(self._path) if self._path else None
        self._data: dict[str, str] = loaded if isinstance(loaded, dict) else {}

    def digest(self, path: Path) -> str:
        stat = path.stat()
        key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
        with self._lock:
            known = self._data.get(key)
        if isinstance(known, str) and len(known) == HASH_LEN:
            return known
        value = content_hash(path)
        with self._lock:
            self._data[key] = value
            self._dirty = True
        return value

    def save(self) -> None:
        if self._path and self._dirty:
            write_json(self._path, self._data)
            self._dirty = False


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()[:HASH_LEN]
