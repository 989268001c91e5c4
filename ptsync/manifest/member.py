"""One manifest file as loaded: its document (with positions), its validated model, where its
local files may come from; a catalogue or media folder is a *derived* member, declared in
another file. Its own module so that the loader and the catalogue readers that build members
both import it, and neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptsync.manifest.files import AllowedFolders
from ptsync.manifest.models import ManifestModel
from ptsync.manifest.partial import Positions, numbered
from ptsync.manifest.yamldoc import Document


@dataclass(frozen=True)
class ManifestFile:
    path: str  # as the user gave it (short, for messages and CI annotations)
    base_dir: Path
    doc: Document
    model: ManifestModel
    sha256: str
    allowed: AllowedFolders  # where its local files may resolve to (base_dir, resolved, first)
    positions: Positions = field(default_factory=dict)  # entries' indices in the file, if not 0..n
    # Catalogues and media folders (``ptsync.manifest.sourced``): a source's entries form a
    # derived member, declared in another file, whose ``sourced`` lists them.
    declared_in: str | None = None
    sourced: tuple[ManifestFile, ...] = ()

    def items(self, section: str) -> list[tuple[int, Any]]:
        """``(index in the file, entry)`` of ``videos``, ``playlists``, ``channels``, ``rules``."""
        return numbered(self.model, section, self.positions)
