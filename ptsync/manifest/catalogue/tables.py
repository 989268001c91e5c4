"""A catalogue file as a table: a header and numbered rows of cells; CSV and TSV read here.

CSV and TSV go through the standard ``csv`` module. The text is UTF-8, or whatever encoding a
byte order mark announces (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE: what spreadsheet tools write
when asked for "Unicode text"); anything else is one line naming the first bad byte's line.
Before parsing, a file is refused in one line when it is too big (64 MiB, like a manifest),
binary (a NUL), or a zip archive (a spreadsheet saved with the wrong extension).

Rows are numbered as a spreadsheet shows them (the first line of the file is row 1), which is
the line number too unless a quoted cell spans lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_BYTES = 64 * 2**20
_BOMS = (  # longest first: UTF-32 LE's mark starts with UTF-16 LE's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
ZIP_MAGIC = b"PK\x03\x04"


class TableProblem(Exception):
    """A catalogue that cannot be read: one line; ``row`` 0 when it is the whole file."""

    def __init__(self, message: str, row: int = 0):
        super().__init__(message)
        self.message, self.row = message, row


@dataclass
class Table:
    """The header (row ``header_row``) and the rows after it, each with its row number."""

    header: list[str]
    header_row: int
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    sheet: str | None = None  # spreadsheets: cells are placed as Sheet!C12
    ragged: bool = True  # CSV: a row with more or fewer cells than the header is a problem


HEADER_SEARCH = 20  # title rows a spreadsheet may have above its header


def find_header(table: Table, id_column: str) -> Table:
    """The same table with its header on the first row naming ``id_column`` (exactly, or
    ignoring case and spaces) among the first rows; unchanged when no row does."""
    folded = id_column.strip().casefold()
    if any(h.casefold() == folded for h in table.header):
        return table
    for index, (row, cells) in enumerate(table.rows[:HEADER_SEARCH]):
        names = [header_text(c) for c in cells]
        if any(n.casefold() == folded for n in names):
            rest = table.rows[index + 1 :]
            return Table(names, row, rest, sheet=table.sheet, ragged=table.ragged)
    return table


def header_text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell).strip()


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refused above MAX_BYTES without reading it all."""
    too_big = TableProblem(f"catalogue file larger than {MAX_BYTES // 2**20} MiB")
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_BYTES:
                raise too_big
            raw = handle.read(MAX_BYTES + 1)  # a file growing meanwhile, or a pipe
    except OSError as exc:
        raise TableProblem(f"cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_BYTES:
        raise too_big
    return raw


def decode(raw: bytes) -> str:
    """Text by byte order mark, else UTF-8; a bad byte is one line naming its line."""
    if raw.startswith(ZIP_MAGIC):
        raise TableProblem(
            "this is a zip archive (a spreadsheet?), not CSV text: name it .xlsx or .ods"
        )
    encoding, start = "utf-8", 0
    for bom, name in _BOMS:
        if raw.startswith(bom):
            encoding, start = name, len(bom)
            break
    try:
        text = raw[start:].decode(encoding)
    except UnicodeDecodeError as exc:
        line = _line_of(raw[start:], exc.start, encoding)
        byte = raw[start + exc.start]
        hint = "save it as UTF-8" if encoding == "utf-8" else f"it announces {encoding}"
        raise TableProblem(
            f"not {encoding.upper()} text (byte 0x{byte:02x} on line {line}: {exc.reason}); {hint}",
            line,
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise TableProblem(f"a binary file, not CSV text (a NUL character on line {line})", line)
    return text


def _line_of(raw: bytes, offset: int, encoding: str) -> int:
    """The line of a byte offset, counting line breaks in the text decoded before it."""
    before = raw[:offset].decode(encoding, errors="replace")
    return before.count("\n") + 1


def read_csv(path: Path, delimiter: str) -> tuple[Table, str]:
    """The table and the file's sha256 (part of the group's digest).

    A cell longer than the csv module's limit (131 072 characters; PeerTube's longest field
    holds 10 000) is refused like any broken CSV."""
    import hashlib

    raw = read_bytes(path)
    text = decode(raw)
    rows = _records(text, delimiter)
    header_row, header = next(rows, (1, []))
    table = Table([header_text(h) for h in header], header_row)
    table.rows.extend(rows)
    return table, hashlib.sha256(raw).hexdigest()


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[Any]]]:
    """Non-empty records with their row numbers (a blank line is a row, and is skipped)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    row = 0
    while True:
        row += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise TableProblem(f"not valid CSV on line {reader.line_num}: {exc}", row) from None
        if any(cell.strip() for cell in record):
            yield row, record
