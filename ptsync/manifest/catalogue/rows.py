"""A catalogue's rows as entries: columns found in the header, cells turned into entry values.

The declaration maps entry keys to headers (``name: title``), to a header with a list
separator (``tags: {column: keywords, split: ";"}``) or to a fixed value (``category: {value:
Education}``). Headers match exactly, else ignoring case and surrounding spaces. Every
problem with the declaration itself (a header that is not there, or twice, a required column
that is empty) is one line naming the header, before any row is read.

Cells become the values a YAML entry would hold, so the same models and checks apply: text
trimmed; a whole number in a label column (``category: 15``) is an id; ``yes``/``no``,
``true``/``false``, ``1``/``0`` in a flag column are booleans; dates stay dates; a tags cell
is split and its items trimmed. An empty cell leaves its field out (unmanaged): ptsync never
clears a field because a cell is empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ptsync.errors import Problem
from ptsync.manifest.catalogue.tables import Table
from ptsync.manifest.models import COLUMN_FIELDS, CatalogueModel, Column
from ptsync.manifest.problems import suggestion
from ptsync.manifest.sourced import Batch, Declaring, EntryKind, Place
from ptsync.sourceref import SourceRef

LABELS = frozenset(
    {"channel", "privacy", "category", "licence", "commentsPolicy", "publishPrivacy"}
)
FLAGS = frozenset({"nsfw", "waitTranscoding", "downloadEnabled"})
DATES = frozenset({"originallyPublishedAt", "publishAt"})
LISTS = frozenset({"tags"})
DEFAULT_SPLIT = ";"
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
Convert = Callable[[Any], Any]


# ``'=...``: how CSV writers (``ptsync export`` among them) keep a spreadsheet program from
# evaluating a cell (OWASP, CSV injection); the quote is not part of the value.
_QUOTED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def cell_text(cell: Any) -> str:
    """A cell as text: whole numbers without ``.0``, dates in ISO 8601, trimmed; the ``'``
    that neutralises ``=``, ``+``, ``-``, ``@`` at the start dropped."""
    if isinstance(cell, str):
        return cell[1:].strip() if cell.startswith(_QUOTED) else cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def _label(cell: Any) -> Any:
    text = cell_text(cell)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else text


def _flag(cell: Any) -> Any:
    if isinstance(cell, bool):
        return cell
    text = cell_text(cell).casefold()
    return True if text in _TRUE else False if text in _FALSE else text


def _when(cell: Any) -> Any:
    return cell if isinstance(cell, datetime | date) else cell_text(cell)


def _splitter(separator: str) -> Convert:
    def split(cell: Any) -> list[str]:
        return [item.strip() for item in cell_text(cell).split(separator) if item.strip()]

    return split


def converter(key: str, split: str | None) -> Convert:
    if key in LISTS:
        return _splitter(split or DEFAULT_SPLIT)
    if key in LABELS:
        return _label
    if key in FLAGS:
        return _flag
    if key in DATES:
        return _when
    return cell_text


@dataclass
class Layout:
    """Where each entry key is in one catalogue's rows, and how its cells are read."""

    file: str
    table: Table
    id_col: int = 0
    source: tuple[str, int] | None = None  # ("url" or "file", column)
    readers: list[tuple[str, int, Convert]] = field(default_factory=list)
    fixed: dict[str, Any] = field(default_factory=dict)
    fixed_places: dict[str, Place] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)  # entry key -> column, for placing

    def cell(self, row: int, col: int) -> SourceRef:
        header = self.table.header[col] if col < len(self.table.header) else ""
        if self.table.sheet is None:
            return SourceRef(self.file, row, 0, header)
        return SourceRef(
            self.file, row, 0, f"{self.table.sheet}!{column_letter(col)}{row} ({header})"
        )

    def header_ref(self) -> SourceRef:
        return SourceRef(self.file, self.table.header_row, 0, "")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class Row:
    """A row's origin: each key is placed on its cell (a fixed value on its declaration)."""

    layout: Layout
    row: int

    @property
    def kind(self) -> EntryKind:
        return EntryKind.CATALOGUE

    def ref(self, rest: tuple[str | int, ...]) -> SourceRef:
        key = rest[0] if rest and isinstance(rest[0], str) else "id"
        fixed = self.layout.fixed_places.get(key)
        if fixed is not None:
            return fixed.ref(rest[1:])
        return self.layout.cell(self.row, self.layout.columns.get(key, self.layout.id_col))


def layout_of(
    decl: Declaring, k: int, spec: CatalogueModel, file: str, table: Table
) -> tuple[Layout | None, list[Problem]]:
    """The layout, or None and one problem per header that is missing or ambiguous."""
    layout = Layout(file, table)
    finder = _Finder(layout, table.header)
    layout.id_col = finder.find(spec.id, "id", "the external id")
    layout.columns["id"] = layout.id_col
    if spec.source is not None:
        kind = "url" if spec.source.url is not None else "file"
        col = finder.find(getattr(spec.source, kind), "source", f"source.{kind}")
        layout.source, layout.columns["source"] = (kind, col), col
    given_keys: set[str] = spec.columns.model_fields_set if spec.columns else set()
    for key in [k for k in COLUMN_FIELDS if k in given_keys]:
        given = getattr(spec.columns, key)
        if given is None:
            continue
        if isinstance(given, Column) and given.column is None:
            layout.fixed[key] = given.value
            layout.fixed_places[key] = decl.node("catalogues", k, "columns", key, "value")
            continue
        header = given.column if isinstance(given, Column) else given
        split = given.split if isinstance(given, Column) else None
        col = finder.find(str(header), key, f"columns.{key}")
        layout.readers.append((key, col, converter(key, split)))
        layout.columns[key] = col
    return (None, finder.problems) if finder.problems else (layout, [])


class _Finder:
    """Headers by name: exact, else ignoring case and spaces; problems name the header."""

    def __init__(self, layout: Layout, header: list[str]):
        self.layout, self.header = layout, header
        self.problems: list[Problem] = []

    def find(self, name: str, key: str, what: str) -> int:
        found = [i for i, h in enumerate(self.header) if h == name]
        if not found:
            folded = name.strip().casefold()
            found = [i for i, h in enumerate(self.header) if h.casefold() == folded]
        if len(found) == 1:
            return found[0]
        ref = SourceRef(self.layout.file, self.layout.table.header_row, 0, "")
        if found:
            letters = ", ".join(column_letter(i) for i in found)
            message = f"column {name!r} ({what}) is in the header {len(found)} times ({letters})"
        elif not any(self.header):
            message = f"no header row: the first row must name the columns ({name!r} for {what})"
        else:
            names = [h for h in self.header if h]
            hint = suggestion(name, names)
            shown = ", ".join(repr(h) for h in names[:8]) + (", ..." if len(names) > 8 else "")
            message = f"no column {name!r} ({what}) in the header{hint}; it has {shown}"
            if len(names) == 1 and any(d in names[0] for d in ";\t|"):
                message += " (one column: is the delimiter right? set delimiter: in the manifest)"
        self.problems.append(Problem(ref, message))
        return -1


def fill(batch: Batch, layout: Layout) -> list[Problem]:
    """Add one entry per row to ``batch``; a required column empty in every row is one line."""
    problems = _empty_columns(layout)
    if problems:
        return problems
    width = len(layout.table.header)
    for row, cells in layout.table.rows:
        if layout.table.ragged and len(cells) != width and _ragged(cells, width):
            problems.append(
                Problem(
                    SourceRef(layout.file, row, 0, ""),
                    f"this row has {len(cells)} cells, the header {width}: a delimiter or a "
                    "quote out of place? (the row is skipped)",
                )
            )
            continue
        ext_id = _at(cells, layout.id_col)
        if not ext_id:
            problems.append(Problem(layout.cell(row, layout.id_col), "no external id in this row"))
            continue
        batch.add(_entry(layout, cells, ext_id), Row(layout, row))
    return problems


def _ragged(cells: list[Any], width: int) -> bool:
    return len(cells) < width or any(cell_text(c) for c in cells[width:])


def _at(cells: list[Any], col: int) -> str:
    return cell_text(cells[col]) if 0 <= col < len(cells) else ""


def _entry(layout: Layout, cells: list[Any], ext_id: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": ext_id}
    if layout.source is not None:
        kind, col = layout.source
        value = _at(cells, col)
        if value:
            entry["source"] = {kind: value}
    size = len(cells)
    for key, col, convert in layout.readers:
        cell = cells[col] if col < size else None
        if cell is not None and cell != "" and (value := convert(cell)) not in ("", []):
            entry[key] = value
    for key, value in layout.fixed.items():
        entry[key] = list(value) if isinstance(value, list) else value
    return entry


def _empty_columns(layout: Layout) -> list[Problem]:
    """The id column, and the source column, must hold something in some row."""
    required = [("id", layout.id_col, "the external ids")]
    if layout.source is not None:
        required.append(("source", layout.source[1], f"each row's source ({layout.source[0]})"))
    problems = []
    rows = layout.table.rows
    for _, col, what in required:
        if rows and not any(_at(cells, col) for _, cells in rows):
            header = layout.table.header[col]
            problems.append(
                Problem(layout.header_ref(), f"column {header!r} is empty (it holds {what})")
            )
    return problems
