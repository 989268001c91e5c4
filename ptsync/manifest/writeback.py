"""Edit the user's manifest in place without disturbing anything else.

Two edits: ``ptsync adopt`` pins uuids (``uuid: ...``), ``ptsync forget`` lets videos go
(``lifecycle: unmanaged``). A full YAML round-trip (even ruamel.yaml's) may re-indent flow
mappings, re-wrap long strings or move comments; in a reviewed file every such change is
noise in the pull request. So each write is a line insertion at the positions the loader
recorded: the new key goes on a new line under ``id:`` in block entries, or after ``{`` in
flow entries (an explicit ``lifecycle: managed`` is rewritten where it stands). ruamel.yaml
then reloads the result to prove it still parses and holds exactly the new values.

An entry from a catalogue or a media folder is edited through the file that declares the
source, never in the catalogue: its ``videos:`` entry with the same id (curation) gets the key,
or, when it has none, one is added as the first item of ``videos:``, e.g.
``- {id: "a17", lifecycle: unmanaged}``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from ptsync.errors import ManifestError, Problem
from ptsync.manifest.load import load
from ptsync.manifest.member import ManifestFile
from ptsync.manifest.problems import suggestion
from ptsync.manifest.sourced import Curated, SourcedDocument
from ptsync.sourceref import SourceRef

UNMANAGED = "unmanaged"
_LIFECYCLE = re.compile(r"(lifecycle\s*:\s*)(['\"]?)managed\2")


def insert_uuids(member: ManifestFile, uuids: Mapping[str, str]) -> int:
    """Add ``uuid:`` to entries of ``member`` (by external id) that have none; return count.

    An entry of a source ``member`` declares is pinned in its curation entry only: markers
    identify those videos, and one new entry per row would copy the catalogue into the file."""
    return _edit(
        member,
        "uuid",
        lambda e: uuids[e.id] if not e.uuid and e.id in uuids else None,
        add_entries=False,
    )


def mark_unmanaged(member: ManifestFile, external_ids: Sequence[str]) -> int:
    """Set ``lifecycle: unmanaged`` on the entries of ``member`` with these ids; return count."""

    def value(entry: Any) -> str | None:
        wanted = entry.id in external_ids and entry.lifecycle != UNMANAGED
        return UNMANAGED if wanted else None

    return _edit(member, "lifecycle", value)


def _edit(
    member: ManifestFile, key: str, value: Callable[[Any], str | None], *, add_entries: bool = True
) -> int:
    """Write ``key: value(entry)`` where it is not None: in ``member``'s own entries, in the
    curation entries of its sources' entries, or in new entries for them."""
    if member.declared_in is not None:
        return 0  # written through the declaring file
    wanted = {i: v for i, entry in member.items("videos") if (v := value(entry)) is not None}
    added: list[tuple[str, str]] = []
    for source in member.sourced:
        for i, entry in source.items("videos"):
            found = value(entry)
            if found is None:
                continue
            doc = source.doc
            origin = doc.origins[i] if isinstance(doc, SourcedDocument) else None
            if isinstance(origin, Curated):
                wanted[origin.index] = found
            elif add_entries:
                added.append((entry.id, found))
    return _write(member, key, wanted, added)


def forget(
    paths: Sequence[str], external_ids: Sequence[str], *, media_roots: Sequence[str] = ()
) -> dict[str, int]:
    """``ptsync forget``: mark these entries unmanaged in their manifest files (offline).

    Returns {file: entries changed}; an id no manifest lists is a ManifestError naming it
    (with the closest id), and then no file is changed. The next ``ptsync apply`` removes
    the videos' markers; after that the entries are ignored.
    """
    manifests = load(paths, media_roots=media_roots)
    known = {entry.id for member in manifests.files for _, entry in member.items("videos")}
    missing = [i for i in dict.fromkeys(external_ids) if i not in known]
    if missing:
        raise ManifestError(
            Problem(
                SourceRef(", ".join(paths), 0, 0),
                f"no manifest entry has id {ext_id!r}{suggestion(ext_id, known)}",
            )
            for ext_id in missing
        )
    changed = {}
    for member in manifests.files:
        count = mark_unmanaged(member, external_ids)
        if count:
            changed[member.path] = count
    return changed


def _write(
    member: ManifestFile, key: str, wanted: Mapping[int, str], added: Sequence[tuple[str, str]] = ()
) -> int:
    """Write ``key: value`` into the entries at these indices of ``videos``, and add
    ``{id: ..., key: value}`` entries (before the others) for ``added``."""
    if not wanted and not added:
        return 0
    path = Path(member.path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    edits = []
    for index, value in wanted.items():
        entry = member.doc.data["videos"][index]
        if isinstance(entry, dict) and key in entry:  # present (lifecycle: managed): rewrite it
            line, _ = member.doc.where(("videos", index, key))
            lines[line - 1] = _LIFECYCLE.sub(rf"\g<1>{value}", lines[line - 1], count=1)
            continue
        line, col = member.doc.where(("videos", index, "id"))
        edits.append((line - 1, col - 1, f"{key}: {value}"))
    for row, col, text in sorted(edits, reverse=True):
        current = lines[row]
        if "{" in current[:col]:  # flow mapping: `- {id: a, ...}` -> `- {id: a, KEY: v, ...}`
            lines[row] = current[:col] + f"{text}, " + current[col:]
        else:
            if not current.endswith("\n"):
                lines[row] = current + "\n"
            lines.insert(row + 1, " " * col + f"{text}\n")
    if added:
        _prepend(member, lines, [f"{{id: {json.dumps(i)}, {key}: {v}}}" for i, v in added])
    result = "".join(lines)
    _verify(result, key, wanted, added)
    path.write_text(result, encoding="utf-8")
    return len(wanted) + len(added)


def _prepend(member: ManifestFile, lines: list[str], items: list[str]) -> None:
    """New entries as the first items of ``videos:`` (block style), or a new ``videos:``."""
    data = member.doc.data
    videos = data.get("videos")
    if isinstance(videos, list) and videos:
        line, col = member.doc.where(("videos", 0))
        dash = lines[line - 1].rfind("-", 0, col - 1)
        if dash < 0 or lines[line - 1][:dash].strip():
            raise ManifestError([_by_hand(member, items)])
        lines[line - 1 : line - 1] = [f"{' ' * dash}- {item}\n" for item in items]
        return
    block = ["videos:\n", *(f"  - {item}\n" for item in items)]
    if "videos" not in data:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.extend(block)
        return
    line, col = member.doc.where(("videos",))
    if col != 1 or not _EMPTY_VIDEOS.fullmatch(lines[line - 1]):
        raise ManifestError([_by_hand(member, items)])
    lines[line - 1 : line] = block


_EMPTY_VIDEOS = re.compile(r"videos\s*:\s*(?:\[\s*\]|null|~)?\s*(?:#.*)?\n?")


def _by_hand(member: ManifestFile, items: list[str]) -> Problem:
    where = SourceRef(member.path, *member.doc.where(("videos",)), "videos")
    return Problem(where, f"cannot add entries to this videos: list; add them by hand: {items}")


def _verify(
    text: str, key: str, wanted: Mapping[int, str], added: Sequence[tuple[str, str]] = ()
) -> None:
    data = YAML(typ="rt").load(io.StringIO(text))
    for k, (ext_id, value) in enumerate(added):
        if dict(data["videos"][k]) != {"id": ext_id, key: value}:
            raise RuntimeError(f"{key} write-back check failed for the new entry {ext_id}")
    for index, value in wanted.items():
        got = data["videos"][index + len(added)].get(key)
        if got != value:
            raise RuntimeError(f"{key} write-back check failed for videos[{index}]")
