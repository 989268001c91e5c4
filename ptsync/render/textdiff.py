"""A changed long text as a reviewer reads it: a unified diff of its lines (``difflib``), the
changed words inside marked like ``git diff --word-diff`` (``[-old-]{+new+}``).

A change is never shortened: every deleted and inserted word is shown. What surrounds it is:
hunks keep ``CONTEXT_LINES`` unchanged lines around the changed ones, and an unchanged stretch
longer than ``CONTEXT_CHARS`` on either side of a change (inside a long line, or a long context
line) keeps only the words next to the change, the rest shown as ``…``. So a 23-character edit
in a 9 000-character one-line description reads as one short line, not the whole text twice.

Lines are matched first, then the words of changed lines; a long changed block is matched by
content-defined chunks of words before word by word inside the chunks that differ, so the cost
stays near linear in the text's length (a plan may hold thousands of long texts).

The result is plain data (``Hunk``); ``render.text`` and ``render.markdown`` draw it.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

CONTEXT_LINES = 2
CONTEXT_CHARS = 40
ELLIPSIS = "…"
_TOKENS = re.compile(r"\n|[^\S\n]+|\w+|[^\w\s]+")
_REWRITE = 0.4  # below this share of unchanged characters a block is replaced whole
_DIRECT = 10_000  # token pairs compared word by word at once; longer blocks go chunk by chunk
_CHUNK = 8


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
    """Word changes, joined into runs (``_runs``); a block mostly rewritten is shown replaced
    whole rather than shredded into many small changes."""
    old, new = "".join(ta), "".join(tb)
    pieces = _runs(_compare(ta, tb))
    same = sum(len(p.text) for p in pieces if p.kind is Kind.SAME)
    if same < _REWRITE * max(len(old), len(new)):
        return [Piece(Kind.DELETED, old), Piece(Kind.INSERTED, new)]
    return pieces


def _compare(ta: list[str], tb: list[str]) -> list[Piece]:
    """Word by word when the block is small; otherwise chunk by chunk first (content-defined
    chunks: an edit changes only the chunks around it) and word by word inside changed chunks,
    so the cost stays near linear however long the text."""
    if len(ta) * len(tb) <= _DIRECT:
        return _pieces(ta, tb, SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes())
    ca, cb = _chunks(ta), _chunks(tb)
    keys_a, keys_b = ["".join(c) for c in ca], ["".join(c) for c in cb]
    ops = SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes()
    if ops == [("replace", 0, len(ca), 0, len(cb))]:  # nothing in common: no smaller problem
        return [Piece(Kind.DELETED, "".join(ta)), Piece(Kind.INSERTED, "".join(tb))]
    out: list[Piece] = []
    for tag, i1, i2, j1, j2 in ops:
        a = [t for chunk in ca[i1:i2] for t in chunk]
        b = [t for chunk in cb[j1:j2] for t in chunk]
        out += _compare(a, b) if tag == "replace" else _pieces(a, b, [(tag, 0, len(a), 0, len(b))])
    return out


def _pieces(
    ta: list[str], tb: list[str], ops: Sequence[tuple[str, int, int, int, int]]
) -> list[Piece]:
    out: list[Piece] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            out.append(Piece(Kind.SAME, "".join(ta[i1:i2])))
        else:
            out.append(Piece(Kind.DELETED, "".join(ta[i1:i2])))
            out.append(Piece(Kind.INSERTED, "".join(tb[j1:j2])))
    return [p for p in out if p.text]


def _chunks(tokens: list[str]) -> list[list[str]]:
    """Runs of tokens, each ending after a word whose checksum says so (about one in
    ``_CHUNK``): the same words cut the same way wherever they stand."""
    out: list[list[str]] = [[]]
    for token in tokens:
        out[-1].append(token)
        if token[0].isalnum() and zlib.crc32(token.encode()) % _CHUNK == 0:
            out.append([])
    return [chunk for chunk in out if chunk]


Run = tuple[str, str]  # (deleted, inserted) text of adjacent changes


def _runs(pieces: list[Piece]) -> list[Piece]:
    """Adjacent changes as one deleted and one inserted piece; a blank gap between two runs
    that both replace joins them (``[-a b-]{+c d+}``, not ``[-a-]{+c+} [-b-]{+d+}``)."""
    runs: list[Piece | Run] = []
    for piece in pieces:
        if piece.kind is Kind.SAME:
            runs.append(piece)
            continue
        run = (piece.text, "") if piece.kind is Kind.DELETED else ("", piece.text)
        last = runs[-1] if runs else None
        if isinstance(last, tuple):
            runs[-1] = (last[0] + run[0], last[1] + run[1])
        else:
            runs.append(run)
    joined: list[Piece | Run] = []
    for item in runs:
        if isinstance(item, tuple) and len(joined) >= 2 and _joinable(joined[-2], joined[-1], item):
            gap = joined.pop()
            before = joined.pop()
            assert isinstance(gap, Piece) and isinstance(before, tuple)
            item = (before[0] + gap.text + item[0], before[1] + gap.text + item[1])
        joined.append(item)
    out: list[Piece] = []
    for item in joined:
        if isinstance(item, Piece):
            out.append(item)
        else:
            out += [
                Piece(k, t) for k, t in zip((Kind.DELETED, Kind.INSERTED), item, strict=True) if t
            ]
    return out


def _joinable(before: Piece | Run, gap: Piece | Run, after: Run) -> bool:
    both = isinstance(before, tuple) and all(before) and all(after)
    return both and isinstance(gap, Piece) and not gap.text.strip() and "\n" not in gap.text


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
    return f"{_head(text, limit)}{ELLIPSIS}{_tail(text, limit)}"  # "… " and " …": one space


def _head(text: str, limit: int) -> str:
    cut = text[:limit]
    space = cut.rfind(" ")
    return cut[: space + 1] if space > limit // 2 else cut


def _tail(text: str, limit: int) -> str:
    cut = text[-limit:]
    space = cut.find(" ")
    return cut[space:] if 0 <= space < limit // 2 else cut
