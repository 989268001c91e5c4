"""Local files a manifest references: where they are allowed to be, and their content hashes.

A path is resolved first (symlinks, ``..``, every link of a chain) and only then checked: the
file it really names must lie inside an *allowed folder*, which is the manifest file's own
folder plus the folders listed under ``files: {roots: [...]}`` or passed by the caller
(``--media-root``). So a manifest from a pull request cannot make CI upload ``/etc/passwd``,
neither by ``../../etc/passwd`` nor by a symlink ``caption.vtt -> /etc/passwd``, while an
archive can still keep its media on another disk by saying so. The resolved path is what the
desired state carries and what apply reads, so a link changed after the check is never followed.
Containment is checked before existence, so a refused path never tells whether its target exists.

Hashes are streamed (flat memory for multi-GB videos) and remembered per (path, size, mtime)
in the cache dir so a plan does not re-read unchanged files; the cache only saves time.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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


ALLOW_HINT = "add it to files.roots or pass --media-root"


@dataclass(frozen=True)
class AllowedFolders:
    """Resolved folders a manifest's local files may resolve into (its own folder first)."""

    folders: tuple[Path, ...]

    @classmethod
    def of(cls, base_dir: Path, roots: Iterable[Path] = ()) -> AllowedFolders:
        found = [Path(base_dir).resolve(), *(Path(r).resolve() for r in roots)]
        return cls(tuple(dict.fromkeys(found)))

    def __contains__(self, path: object) -> bool:
        return isinstance(path, Path) and any(path.is_relative_to(f) for f in self.folders)

    def __str__(self) -> str:
        return ", ".join(str(f) for f in self.folders)


def local_path(
    base_dir: Path,
    given: str,
    extensions: frozenset[str] | None = None,
    allowed: AllowedFolders | None = None,
) -> Path:
    """The resolved path ``given`` names, or PathProblem saying why it may not be used.

    ``given`` is relative to ``base_dir`` (the manifest's folder) or absolute; either way the
    resolved target must lie in ``allowed`` (default: ``base_dir`` alone).
    """
    if not given or not given.strip():
        raise PathProblem("empty file path")
    if "\x00" in given:
        raise PathProblem("the file path contains a NUL character")
    allowed = allowed or AllowedFolders.of(base_dir)
    candidate = Path(given)
    full = candidate if candidate.is_absolute() else allowed.folders[0] / candidate
    try:
        target = full.resolve(strict=False)
    except (OSError, RuntimeError):  # a symlink loop
        raise PathProblem(f"{given!r}: symlink loop") from None
    if target not in allowed:
        raise PathProblem(
            f"{given!r} resolves to {target}, outside the allowed folders ({allowed}); "
            + ALLOW_HINT
        )
    if extensions is not None and target.suffix.lower() not in extensions:
        via = "" if target.name == candidate.name else f" (resolves to {target})"
        raise PathProblem(
            f"{given!r}{via}: unsupported file type (allowed: {', '.join(sorted(extensions))})"
        )
    if not target.is_file():
        missing = not target.exists()
        raise PathProblem(f"{given!r}: {'no such file' if missing else 'not a regular file'}")
    return target


class DigestCache:
    """Content hashes by (path, size, mtime_ns); thread-safe; saved once per run.

    ``ptsync.cachefiles`` (and platformdirs) and ``ptsync.marker`` (the hash length) are
    imported where used, not at the top: validating a manifest checks that its files exist
    but hashes none of them.
    """

    def __init__(self, enabled: bool = True):
        from ptsync.cachefiles import cache_dir, read_json

        self.enabled = enabled
        self._path = cache_dir() / "digests.json" if enabled else None
        self._lock = threading.Lock()
        self._dirty = False
        loaded = read_json(self._path) if self._path else None
        self._data: dict[str, str] = loaded if isinstance(loaded, dict) else {}

    def digest(self, path: Path) -> str:
        from ptsync.marker import HASH_LEN

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
            from ptsync.cachefiles import write_json

            write_json(self._path, self._data)
            self._dirty = False


def content_hash(path: Path) -> str:
    from ptsync.marker import HASH_LEN

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()[:HASH_LEN]


def display_path(manifest: str, given: str) -> str:
    """A source's path as the user reads it: beside the manifest's path as they gave it."""
    if os.path.isabs(given):
        return given
    return os.path.normpath(os.path.join(os.path.dirname(manifest), given))
