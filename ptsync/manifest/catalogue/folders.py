"""A folder of media files as entries: one upload per file, metadata from sidecar files.

For ``incoming/talk.mp4`` (any extension PeerTube accepts as a video or audio file):

- external id: ``{stem}`` (``talk``), or the folder's ``id:`` template ({stem}, {parent});
- name: the stem, unless a sidecar gives one;
- ``talk.yaml`` (or ``.yml``): a mapping of entry keys (name, description, tags, category,
  privacy, publishAt, chapters, ...; not id or source), placed on its own lines;
- ``talk.nfo``: a Kodi NFO (``nfo``); a file has one of the two, not both;
- ``talk.jpg`` / ``.jpeg`` / ``.png`` / ``.webp``: the thumbnail;
- ``talk.en.vtt``, ``talk.pt-BR.srt``: captions, the language between stem and extension.

The folder (not searched recursively; hidden files ignored) must resolve into the declaring
file's allowed folders, and so must every file in it, symlinks resolved: the files are checked
like any ``source.file`` (``ptsync.manifest.files``), sidecars before they are read.
"""

from __future__ import annotations

import hashlib
import string
from pathlib import Path
from typing import Any

from ptsync.errors import Problem
from ptsync.manifest.catalogue.nfo import ELEMENTS, MAX_BYTES, NfoProblem, read_nfo
from ptsync.manifest.files import (
    CAPTION_EXTENSIONS,
    IMAGE_EXTENSIONS,
    VIDEO_EXTENSIONS,
    PathProblem,
    display_path,
    local_path,
)
from ptsync.manifest.models import FolderModel
from ptsync.manifest.sourced import At, Batch, Declaring, EntryKind, Fields, InFile, Node, Place
from ptsync.manifest.yamldoc import YamlProblem, parse
from ptsync.sourceref import SourceRef

PLACEHOLDERS = ("stem", "parent")
NOT_IN_SIDECAR = ("id", "source")
_SIDECAR_SUFFIXES = frozenset({".yaml", ".yml", ".nfo"})


def read_folder(decl: Declaring, k: int, spec: FolderModel) -> tuple[Batch | None, list[Problem]]:
    at = ("folders", k)
    folder, problem = _folder(decl, spec.path)
    problems = [decl.problem((*at, "path"), problem)] if problem else []
    template_problem = _template_problem(spec.id)
    if template_problem:
        problems.append(decl.problem((*at, "id"), template_problem))
    if folder is None or problems:
        return None, problems
    display = display_path(decl.path, spec.path)
    reader = _Reader(folder, display, decl)
    for name in reader.media:
        reader.add(name, spec.id.format(stem=Path(name).stem, parent=folder.name))
    return reader.batch(), reader.problems


def _folder(decl: Declaring, given: str) -> tuple[Path | None, str]:
    if not given.strip() or "\x00" in given:
        return None, "empty folder path" if not given.strip() else "the path contains a NUL"
    try:
        folder = (decl.allowed.folders[0] / given).resolve()
    except (OSError, RuntimeError):
        return None, f"{given!r}: symlink loop"
    if folder not in decl.allowed:
        return None, (
            f"{given!r} resolves to {folder}, outside the allowed folders ({decl.allowed}); "
            "add it to files.roots or pass --media-root"
        )
    if not folder.is_dir():
        return None, f"{given!r}: no such folder"
    return folder, ""


def _template_problem(template: str) -> str:
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"{template!r}: {exc} (write {{stem}} or {{parent}})"
    for _, name, spec, conversion in parts:
        if name is not None and (name not in PLACEHOLDERS or spec or conversion):
            return f"{template!r}: unknown placeholder {{{name}}} (use {{stem}} or {{parent}})"
    return ""


class _Reader:
    """One listing of the folder; sidecars, thumbnails and captions found by stem."""

    def __init__(self, folder: Path, display: str, decl: Declaring):
        self.folder, self.display, self.decl = folder, display, decl
        names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        self.names = set(names)
        self.media = [n for n in names if Path(n).suffix.lower() in VIDEO_EXTENSIONS]
        self.captions: dict[str, list[tuple[str, str]]] = {}
        for name in names:
            if Path(name).suffix.lower() in CAPTION_EXTENSIONS and name.count(".") >= 2:
                stem, language = Path(name).stem.rsplit(".", 1)
                self.captions.setdefault(stem, []).append((language, name))
        self.hash = hashlib.sha256("\n".join(names).encode())
        self.problems: list[Problem] = []
        self.entries: list[tuple[dict[str, Any], Fields]] = []

    def shown(self, name: str) -> str:
        return f"{self.display.rstrip('/')}/{name}"

    def add(self, name: str, ext_id: str) -> None:
        stem = Path(name).stem
        entry: dict[str, Any] = {"id": ext_id, "source": {"file": name}, "name": stem}
        places: dict[str, Place] = {}
        thumbnail = next(
            (f"{stem}{ext}" for ext in sorted(IMAGE_EXTENSIONS) if f"{stem}{ext}" in self.names),
            None,
        )
        if thumbnail:
            entry["thumbnail"] = thumbnail
            places["thumbnail"] = At(SourceRef(self.shown(thumbnail), 0, 0, ""))
        if stem in self.captions:
            entry["captions"] = [{"language": lang, "file": f} for lang, f in self.captions[stem]]
        self._sidecars(stem, entry, places)
        media = InFile(self.shown(name))
        self.entries.append((entry, Fields(EntryKind.FOLDER, media, places)))

    def _sidecars(self, stem: str, entry: dict[str, Any], places: dict[str, Place]) -> None:
        found = [f"{stem}{s}" for s in (".yaml", ".yml", ".nfo") if f"{stem}{s}" in self.names]
        if len(found) > 1:
            ref = SourceRef(self.shown(found[1]), 0, 0, "")
            self.problems.append(
                Problem(ref, f"{' and '.join(found)} both describe {stem}: keep one")
            )
            return
        if not found:
            return
        raw = self._read(found[0])
        if raw is None:
            return
        self.hash.update(found[0].encode() + b"\0" + raw)
        if found[0].endswith(".nfo"):
            self._nfo(found[0], raw, entry, places)
        else:
            self._yaml(found[0], raw, entry, places)

    def _read(self, name: str) -> bytes | None:
        shown = self.shown(name)
        try:
            given = str(self.folder / name)
            path = local_path(self.folder, given, frozenset(_SIDECAR_SUFFIXES), self.decl.allowed)
            with path.open("rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
        except PathProblem as exc:
            self.problems.append(Problem(SourceRef(shown, 0, 0, ""), str(exc)))
            return None
        except OSError as exc:
            self.problems.append(
                Problem(SourceRef(shown, 0, 0, ""), f"cannot read ({exc.strerror})")
            )
            return None
        if len(raw) > MAX_BYTES:
            self.problems.append(
                Problem(SourceRef(shown, 0, 0, ""), "sidecar file larger than 1 MiB")
            )
            return None
        return raw

    def _nfo(self, name: str, raw: bytes, entry: dict[str, Any], places: dict[str, Place]) -> None:
        shown = self.shown(name)
        try:
            values = read_nfo(raw)
        except NfoProblem as exc:
            self.problems.append(Problem(SourceRef(shown, 0, 0, ""), str(exc)))
            return
        entry.update(values)
        places.update({k: At(SourceRef(shown, 0, 0, ELEMENTS[k])) for k in values})

    def _yaml(self, name: str, raw: bytes, entry: dict[str, Any], places: dict[str, Place]) -> None:
        shown = self.shown(name)
        try:
            doc = parse(raw.decode("utf-8"))
        except UnicodeDecodeError:
            self.problems.append(Problem(SourceRef(shown, 0, 0, ""), "not UTF-8 text"))
            return
        except YamlProblem as exc:
            self.problems.append(Problem(SourceRef(shown, exc.line, exc.col, ""), exc.message))
            return
        if not isinstance(doc.data, dict):
            message = "a sidecar is a mapping of video fields (name: ..., tags: [...])"
            self.problems.append(Problem(SourceRef(shown, 1, 1, ""), message))
            return
        for key, value in doc.data.items():
            if key in NOT_IN_SIDECAR:
                line, col = doc.where((key,))
                message = f"{key} comes from the media file, not from a sidecar"
                self.problems.append(Problem(SourceRef(shown, line, col, str(key)), message))
                continue
            entry[key] = value
            places[str(key)] = Node(shown, doc, (key,))

    def batch(self) -> Batch:
        batch = Batch(EntryKind.FOLDER, self.display, self.folder, self.hash.hexdigest())
        for entry, origin in self.entries:
            batch.add(entry, origin)
        return batch
