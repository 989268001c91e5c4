"""A changed long text as a reviewer reads it: a unified diff of its lines (``difflib``), the
changed words inside marked like ``git diff --word-diff`` (``[-old-]{+new+}``).

A change is never shortened: every deleted and inserted word is shown. What surrounds it is:
hunks keep ``CONTEXT_LINES`` unchanged lines around the changed ones, and an unchanged stretch
longer than ``CONTEXT_CHARS`` on either side of a change (inside a long line, or a long context
line) keeps only the words next to the change, the rest shown as ``…``. So a 23-character edit
in a 9 000-character one-line description reads as one short line, not the whole text twice.

The result is plain data (``Hunk``); ``render.text`` and ``render.markdown`` draw it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

CONTEXT_LINES = 2
CONTEXT_CHARS = 40
ELLIPSIS = "…"
_TOKENS = re.compile(r"\n|[^\S\n]+|\w+|[^\w\s]+")
_REWRITE = 0.4  # below this share of unchanged characters a block is replaced whole


class Kind(StrEnum):
    SAME = "same"
    DELETED = "deleted"
    INSERTED = "inserted"


@dataclass(frozen=True)
class Piece:
    kind: Kind
    text: str  # may hold newlines: a deleted or inserted run can span lines


@dataclass(frozen=True)
class Part:
    """One unchanged context line (``op`` "equal": one ``SAME`` piece), or lines that were
    replaced (unchanged and changed words), deleted or inserted (difflib's opcode names)."""

    op: str
    pieces: tuple[Piece, ...]

    @property
    def changed(self) -> bool:
        return self.op != "equal"


@dataclass(frozen=True)
class Hunk:
    header: str  # ``@@ -a,b +c,d @@``
    parts: tuple[Part, ...]


MARKS = {Kind.DELETED: ("[-", "-]"), Kind.INSERTED: ("{+", "+}")}


def marked(piece: Piece) -> str:
    """The piece as plain text, a change between its ``--word-diff`` markers."""
    opening, closing = MARKS.get(piece.kind, ("", ""))
    return f"{opening}{piece.text}{closing}"


def text_diff(old: str | None, new: str | None) -> list[Hunk]:
    """Hunks turning ``old`` into ``new``; empty when the texts have the same lines."""
    a, b = (old or "").splitlines(), (new or "").splitlines()
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return [
        Hunk(_header(group), tuple(_parts(a, b, group)))
        for group in matcher.get_grouped_opcodes(CONTEXT_LINES)
    ]


def _header(group: Sequence[tuple[str, int, int, int, int]]) -> str:
    first, last = group[0], group[-1]
    old = _range(first[1], last[2] - first[1])
    new = _range(first[3], last[4] - first[3])
    return f"@@ -{old} +{new} @@"


def _range(start: int, length: int) -> str:
    """Unified diff ranges as ``difflib.unified_diff`` writes them."""
    if length == 1:
        return str(start + 1)
    return f"{start if not length else start + 1},{length}"


def _parts(
    a: list[str], b: list[str], group: Sequence[tuple[str, int, int, int, int]]
) -> Iterator[Part]:
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            for line in a[i1:i2]:
                yield Part(tag, (Piece(Kind.SAME, _shorten(line, after=False, before=False)),))
        elif tag == "replace":
            old, new = "\n".join(a[i1:i2]), "\n".join(b[j1:j2])
            yield Part(tag, tuple(_with_context(_words(old, new))))
        else:  # whole lines deleted or inserted: each one marked, blank ones too (``[--]``)
            kind, lines = (Kind.DELETED, a[i1:i2]) if tag == "delete" else (Kind.INSERTED, b[j1:j2])
            pieces = [Piece(kind, line) for line in lines]
            joined = [p for piece in pieces for p in (piece, Piece(Kind.SAME, "\n"))][:-1]
            yield Part(tag, tuple(joined))


def _words(old: str, new: str) -> list[Piece]:
    """A changed block as unchanged and changed words. Common leading and trailing words are
    cut off first, so the word matcher only sees the part that differs."""
    ta, tb = _TOKENS.findall(old), _TOKENS.findall(new)
    start = 0
    while start < min(len(ta), len(tb)) and ta[start] == tb[start]:
        start += 1
    end = 0
    while end < min(len(ta), len(tb)) - start and ta[-1 - end] == tb[-1 - end]:
        end += 1
    head, tail = "".join(ta[:start]), "".join(ta[len(ta) - end :])
    middle = _middle(ta[start : len(ta) - end], tb[start : len(tb) - end])
    pieces = [Piece(Kind.SAME, head), *middle, Piece(Kind.SAME, tail)]
    return [p for p in pieces if p.text]


def _middle(ta: list[str], tb: list[str]) -> list[Piece]:
    """Word changes; a blank gap between two replaced runs joins them (``[-a b-]{+c d+}``, not
    ``[-a-]{+c+} [-b-]{+d+}``); a block mostly rewritten is shown replaced whole."""
    ops: list[tuple[str, int, int, int, int]] = []
    for op in SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if len(ops) >= 2 and op[0] == ops[-2][0] == "replace" and ops[-1][0] == "equal":
            gap = "".join(ta[ops[-1][1] : ops[-1][2]])
            if not gap.strip() and "\n" not in gap:
                ops[-2:] = [("replace", ops[-2][1], op[2], ops[-2][3], op[4])]
                continue
        ops.append(op)
    old, new = "".join(ta), "".join(tb)
    same = sum(len("".join(ta[i1:i2])) for tag, i1, i2, _, _ in ops if tag == "equal")
    if same < _REWRITE * max(len(old), len(new)):
        return [Piece(Kind.DELETED, old), Piece(Kind.INSERTED, new)]
    out: list[Piece] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            out.append(Piece(Kind.SAME, "".join(ta[i1:i2])))
        else:
            out += [
                Piece(Kind.DELETED, "".join(ta[i1:i2])),
                Piece(Kind.INSERTED, "".join(tb[j1:j2])),
            ]
    return out


def _with_context(pieces: list[Piece]) -> Iterator[Piece]:
    """Unchanged text inside a changed block, shortened away from the changes."""
    for i, piece in enumerate(pieces):
        if piece.kind is not Kind.SAME:
            yield piece
            continue
        after = i > 0
        before = i < len(pieces) - 1
        lines = piece.text.split("\n")
        last = len(lines) - 1
        shown = [
            _shorten(line, after=after and k == 0, before=before and k == last)
            for k, line in enumerate(lines)
        ]
        yield Piece(Kind.SAME, "\n".join(shown))


def _shorten(text: str, *, after: bool, before: bool) -> str:
    """Unchanged text: the words next to a change it follows (``after``) or precedes
    (``before``), or the start and end of a line next to none."""
    limit = CONTEXT_CHARS
    if len(text) <= 2 * limit or (not (after or before) and len(text) <= 3 * limit):
        return text
    if after and not before:
        return _head(text, limit) + ELLIPSIS
    if before and not after:
        return ELLIPSIS + _tail(text, limit)
    return f"{_head(text, limit)} {ELLIPSIS} {_tail(text, limit)}"


def _head(text: str, limit: int) -> str:
    cut = text[:limit]
    space = cut.rfind(" ")
    return cut[: space + 1] if space > limit // 2 else cut


def _tail(text: str, limit: int) -> str:
    cut = text[-limit:]
    space = cut.find(" ")
    return cut[space:] if 0 <= space < limit // 2 else cut
