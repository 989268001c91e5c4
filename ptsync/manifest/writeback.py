"""Write resolved uuids back into the user's manifest without disturbing anything else.

A full YAML round-trip (even ruamel.yaml's) may re-indent flow mappings, re-wrap long strings
or move comments; in a reviewed file every such change is noise in the pull request. So the
write is a line insertion at the positions the loader recorded: ``uuid: ...`` goes on a new
line under ``id:`` in block entries, or after ``{`` in flow entries. ruamel.yaml then reloads
the result to prove it still parses and holds exactly the new uuids.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

from ruamel.yaml import YAML

from ptsync.manifest.load import ManifestFile


def insert_uuids(member: ManifestFile, uuids: Mapping[str, str]) -> int:
    """Add ``uuid:`` to entries of ``member`` (by external id) that have none; return count."""
    path = Path(member.path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []  # (line index, column, kind)
    wanted: dict[int, str] = {}
    for i, entry in enumerate(member.model.videos):
        if entry.uuid or entry.id not in uuids:
            continue
        line, col = member.doc.where(("videos", i, "id"))
        edits.append((line - 1, col - 1, uuids[entry.id]))
        wanted[i] = uuids[entry.id]
    for index, col, uuid in sorted(edits, reverse=True):
        current = lines[index]
        before = current[:col]
        if "{" in before:  # flow mapping: `- {id: a, ...}` -> `- {id: a, uuid: ..., ...}`
            lines[index] = current[:col] + f"uuid: {uuid}, " + current[col:]
        else:
            newline = "\n" if current.endswith("\n") else ""
            if not newline:
                lines[index] = current + "\n"
            lines.insert(index + 1, " " * col + f"uuid: {uuid}\n")
    result = "".join(lines)
    _verify(result, wanted)
    path.write_text(result, encoding="utf-8")
    return len(edits)


def _verify(text: str, wanted: Mapping[int, str]) -> None:
    data = YAML(typ="rt").load(io.StringIO(text))
    for index, uuid in wanted.items():
        got = data["videos"][index].get("uuid")
        if got != uuid:
            raise RuntimeError(f"uuid write-back check failed for videos[{index}]")
