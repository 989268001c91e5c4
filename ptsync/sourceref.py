"""Where a desired object came from, so that every problem can point at a manifest line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A position in a manifest file: 1-based line and column plus the logical path.

    ``path`` is the breadcrumb users read (``videos[3].tags``); ``file`` is the path as the
    user gave it (relative paths stay relative so CI logs and annotations stay short).
    """

    file: str
    line: int
    col: int
    path: str = ""

    def __str__(self) -> str:
        """``file:line:col``; ``file:row`` for a place without a column (a catalogue's row)."""
        return f"{self.file}:{self.line}:{self.col}" if self.col else f"{self.file}:{self.line}"

    def at(self, path: str, line: int | None = None, col: int | None = None) -> SourceRef:
        """The same file at another node; unknown positions fall back to this one."""
        return SourceRef(self.file, line or self.line, col or self.col, path)
