"""Edit the user's manifest in place without disturbing anything else.

Two edits: ``ptsync adopt`` pins uuids (``uuid: ...``), ``ptsync forget`` lets videos go
(``lifecycle: unmanaged``). A full YAML round-trip (even ruamel.yaml's) may re-indent flow
mappings, re-wrap long strings or move comments; in a reviewed file every such change is
noise in the pull request. So each write is a line insertion at the positions the loader
recorded: the new key goes on a new line under ``id:`` in block entries, or after ``{`` in
flow entries (an explicit ``lifecycle: managed`` is rewritten where it stands). ruamel.yaml
then reloads the result to prove it still parses and holds exactly the new values.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ruamel.yaml import YAML

from ptsync.errors import ManifestError, Problem
from ptsync.manifest.load import ManifestFile, load
from ptsync.manifest.problems import suggestion
from ptsync.sourceref import SourceRef

UNMANAGED = "unmanaged"
_LIFECYCLE = re.compile(r"(lifecycle\s*:\s*)(['\"]?)managed\2")


def insert_uuids(member: ManifestFile, uuids: Mapping[str, str]) -> int:
    """Add ``uuid:`` to entries of ``member`` (by external id) that have none; return count."""
    wanted = {
        i: uuids[entry.id]
        for i, entry in member.items("videos")
        if not entry.uuid and entry.id in uuids
    }
    return _write(member, "uuid", wanted)


def mark_unmanaged(member: ManifestFile, external_ids: Sequence[str]) -> int:
    """Set ``lifecycle: unmanaged`` on the entries of ``member`` with these ids; return count."""
    wanted = {
        i: UNMANAGED
        for i, entry in member.items("videos")
        if entry.id in external_ids and entry.lifecycle != UNMANAGED
    }
    return _write(member, "lifecycle", wanted)


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


def _write(member: ManifestFile, key: str, wanted: Mapping[int, str]) -> int:
    """Write ``key: value`` into the entries at these indices of ``videos``."""
    if not wanted:
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
    result = "".join(lines)
    _verify(result, key, wanted)
    path.write_text(result, encoding="utf-8")
    return len(wanted)


def _verify(text: str, key: str, wanted: Mapping[int, str]) -> None:
    data = YAML(typ="rt").load(io.StringIO(text))
    for index, value in wanted.items():
        got = data["videos"][index].get(key)
        if got != value:
            raise RuntimeError(f"{key} write-back check failed for videos[{index}]")
