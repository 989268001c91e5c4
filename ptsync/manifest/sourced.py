"""Entries from a source: catalogue rows and media files (later: mirrored items) as videos.

A source yields a ``Batch``: plain entry data, keyed like a ``videos:`` entry, each with an
``Origin`` that places every key where it was written (a catalogue's cell, a media file, a
line of a sidecar file). From there the entries take the road YAML entries take:

1. the ``videos:`` entry of the declaring file with the same id is merged in (curation: its
   keys win, and stay placed on its own lines);
2. they are validated by the same models and the same checks (``FileChecker.video``), every
   problem placed by its origin (``catalogue.csv:412: keywords: at most 5 tags (has 7)``);
3. they become a *derived* ``ManifestFile`` of the declaring file's group, with the declaring
   file's ``instance``, ``system`` and ``defaults``. Grouping (duplicate ids across every file
   and source, named with both places), resolution, rules, playlists, matching, planning and
   the one create path then treat them like any entry; the source's digest joins the group's,
   so a saved plan goes stale when a catalogue changes.

A source only has to say what its entries are and where each value came from.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ptsync.errors import Problem
from ptsync.manifest.checks import FileChecker
from ptsync.manifest.files import AllowedFolders
from ptsync.manifest.models import API_VERSION, ManifestModel
from ptsync.manifest.partial import Positions, numbered, validate
from ptsync.manifest.problems import Placed, dotted, ref_at
from ptsync.manifest.yamldoc import Document
from ptsync.sourceref import SourceRef

if TYPE_CHECKING:
    from ptsync.manifest.member import ManifestFile

Path_ = tuple[str | int, ...]


class EntryKind(StrEnum):
    YAML = "yaml"
    CATALOGUE = "catalogue"  # a row of a CSV, TSV, XLSX or ODS file
    FOLDER = "folder"  # a media file in a folder, with its sidecars
    MIRROR = "mirror"  # an item listed upstream (channels[].mirrors)


class Place(Protocol):
    """Where a value was written; ``rest`` is the path inside it (``("tags", 3)``)."""

    def ref(self, rest: Path_) -> SourceRef: ...


class Origin(Place, Protocol):
    """Where a whole entry came from; ``ref(("tags", 2))`` places one of its values."""

    @property
    def kind(self) -> EntryKind: ...


@dataclass(frozen=True, slots=True)
class At:
    """One fixed place for every path inside (a media file, an NFO element)."""

    where: SourceRef

    def ref(self, rest: Path_) -> SourceRef:
        return self.where


@dataclass(frozen=True, slots=True)
class InFile:
    """A file without lines (a media file): the path inside names the key."""

    file: str

    def ref(self, rest: Path_) -> SourceRef:
        return SourceRef(self.file, 0, 0, dotted(rest))


@dataclass(frozen=True, slots=True)
class Node:
    """A node of a YAML document (a manifest, a sidecar file)."""

    file: str
    doc: Document
    path: Path_

    def ref(self, rest: Path_) -> SourceRef:
        return ref_at(self.file, self.doc, (*self.path, *rest))


@dataclass(frozen=True, slots=True)
class Fields:
    """An origin with one place per key, and a default place for everything else."""

    kind: EntryKind
    default: Place
    fields: Mapping[str, Place] = field(default_factory=dict)

    def ref(self, rest: Path_) -> SourceRef:
        found = self.fields.get(rest[0]) if rest and isinstance(rest[0], str) else None
        return found.ref(rest[1:]) if found else self.default.ref(rest)


@dataclass(frozen=True, slots=True)
class Curated:
    """An entry merged with the declaring file's ``videos[index]``, whose keys it placed."""

    inner: Origin
    fields: Mapping[str, Place]
    index: int

    @property
    def kind(self) -> EntryKind:
        return self.inner.kind

    def ref(self, rest: Path_) -> SourceRef:
        found = self.fields.get(rest[0]) if rest and isinstance(rest[0], str) else None
        return found.ref(rest[1:]) if found else self.inner.ref(rest)


@dataclass
class Batch:
    """What one source yields: entries (data keyed like ``videos:`` entries) and origins."""

    kind: EntryKind
    path: str  # the source as the user names it (relative paths stay relative)
    base_dir: Path  # resolved: relative paths in its entries start here
    digest: str  # sha256 of what was read
    entries: list[dict[str, Any]] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)

    def add(self, entry: dict[str, Any], origin: Origin) -> None:
        self.entries.append(entry)
        self.origins.append(origin)


@dataclass(frozen=True)
class Declaring:
    """The manifest file that declares sources: where they are placed and what they inherit."""

    path: str
    doc: Document
    model: ManifestModel
    allowed: AllowedFolders

    def node(self, *path: str | int) -> Node:
        return Node(self.path, self.doc, tuple(path))

    def problem(self, path: Path_, message: str) -> Problem:
        return Problem(ref_at(self.path, self.doc, path), message)


class SourcedDocument(Placed):
    """A source's entries as a manifest document: ``videos[i]`` is placed by origin ``i``,
    any other path (``defaults.privacy``) in the declaring file."""

    def __init__(self, data: Any, origins: Sequence[Origin], parent: Declaring):
        super().__init__(data, {})
        self.origins = list(origins)
        self.parent = parent

    def place(self, path: Sequence[str | int]) -> SourceRef:
        index = path[1] if len(path) > 1 and path[0] == "videos" else None
        if isinstance(index, int) and 0 <= index < len(self.origins):
            return self.origins[index].ref(tuple(path[2:]))
        return ref_at(self.parent.path, self.parent.doc, path)

    def where(self, path: Iterable[str | int]) -> tuple[int, int]:
        ref = self.place(tuple(path))
        return ref.line, ref.col


Curation = Mapping[str, tuple[int, dict[str, Any]]]  # id -> (index in videos:, keys written)


def curation(model: ManifestModel, positions: Positions, ids: set[str]) -> dict[str, Any]:
    """The declaring file's ``videos:`` entries whose id a source also yields."""
    return {
        entry.id: (i, entry.model_dump(exclude_unset=True))
        for i, entry in numbered(model, "videos", positions)
        if entry.id in ids
    }


def derive(
    batch: Batch, decl: Declaring, curated: Curation, claimed: set[str]
) -> tuple[ManifestFile, list[Problem]]:
    """The batch as a checked, derived member of the declaring file's group.

    ``claimed``: ids already merged with a curation entry (by an earlier source): a second
    source yielding one is a duplicate, reported when the group is checked.
    """
    from ptsync.manifest.member import ManifestFile

    entries, origins = _merged(batch, decl, curated, claimed)
    data = {"apiVersion": API_VERSION, "system": decl.model.system, "videos": entries}
    doc = SourcedDocument(data, origins, decl)
    validated = validate(data, doc, batch.path)
    problems = list(validated.problems)
    model = validated.model or ManifestModel.model_validate(data | {"videos": []})
    model = model.model_copy(
        update={"system": decl.model.system, "instance": decl.model.instance}
        | {"defaults": decl.model.defaults}
    )
    allowed = AllowedFolders.of(batch.base_dir, decl.allowed.folders)
    checker = FileChecker(batch.path, doc, model, allowed, validated.positions, validated.dropped)
    for i, entry in numbered(model, "videos", validated.positions):
        checker.video(("videos", i), entry)
    problems.extend(checker.problems)
    member = ManifestFile(
        batch.path,
        batch.base_dir,
        doc,
        model,
        batch.digest,
        allowed,
        validated.positions,
        declared_in=decl.path,
    )
    return member, problems


def _merged(
    batch: Batch, decl: Declaring, curated: Curation, claimed: set[str]
) -> tuple[list[dict[str, Any]], list[Origin]]:
    entries: list[dict[str, Any]] = []
    origins: list[Origin] = []
    here = decl.allowed.folders[0]
    for entry, origin in zip(batch.entries, batch.origins, strict=True):
        ext_id = entry.get("id")
        if isinstance(ext_id, str) and ext_id in curated and ext_id not in claimed:
            claimed.add(ext_id)
            index, keys = curated[ext_id]
            entry = {**entry, **_rebased(keys, here, batch.base_dir)}
            places = {k: decl.node("videos", index, k) for k in keys if k != "id"}
            origin = Curated(origin, places, index)
        entries.append(entry)
        origins.append(origin)
    return entries, origins


def _rebased(keys: dict[str, Any], manifest_dir: Path, source_dir: Path) -> dict[str, Any]:
    """A curation entry's paths (relative to its manifest) made relative to the source."""
    if manifest_dir == source_dir:
        return keys

    def moved(given: Any) -> Any:
        if not isinstance(given, str) or not given.strip() or os.path.isabs(given):
            return given
        return os.path.relpath(manifest_dir / given, source_dir)

    out = dict(keys)
    if isinstance(out.get("source"), dict) and "file" in out["source"]:
        out["source"] = {**out["source"], "file": moved(out["source"]["file"])}
    if "thumbnail" in out:
        out["thumbnail"] = moved(out["thumbnail"])
    if isinstance(out.get("captions"), list):
        out["captions"] = [
            {**c, "file": moved(c.get("file"))} if isinstance(c, dict) else c
            for c in out["captions"]
        ]
    return out
