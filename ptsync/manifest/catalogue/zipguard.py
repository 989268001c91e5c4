"""Check a spreadsheet archive (.xlsx, .ods: a zip of XML parts) before a reader opens it.

A spreadsheet reader trusts the archive: the parts' sizes, and the cells' coordinates, from
which it allocates the sheet as one dense grid. A 5 KB file with one cell at A1 and one at
XFD1048576 asks for 17 billion cells, and the process is killed; a zip bomb inflates 10 KB
into gigabytes. So, first, with the standard ``zipfile`` module:

- at most MAX_PARTS parts; each part's declared size, their sum and each part's compression
  ratio bounded (a large part compressed more than MAX_RATIO times is a bomb, not a sheet);
- every part inflated once, as a stream, to prove its real size and CRC (``zipfile`` stops at
  the declared size and checks the CRC, so a part cannot lie about its size);
- no XML part with a document type declaration (entities are how XML expands);
- the sheets' extent, read from the XML while inflating, at most MAX_CELLS cells, counted as a
  dense reader counts them (from A1 to the last non-empty row and column).

Memory is bounded by the chunk size, time by the bounded sizes.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.parsers import expat

from ptsync.manifest.catalogue.tables import TableProblem

MAX_PARTS = 10_000
MAX_PART_BYTES = 256 * 2**20
MAX_TOTAL_BYTES = 512 * 2**20
MAX_RATIO = 200  # a sheet's XML compresses about 10x; bombs 1 000x and more
RATIO_FROM = 2**20  # small parts may compress anyhow
MAX_CELLS = 5_000_000
_CHUNK = 1 << 20
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})([0-9]{1,7})"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")
_MAX_TAIL = 8 * 2**20  # an unfinished tag (or a cell's text) longer than this is no sheet


def check_archive(path: Path, suffix: str) -> None:
    """Raise TableProblem (one line) unless the archive is safe to hand to a reader."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _sizes(infos)
            for info in infos:
                _inflate(archive, info, _scanner(info.filename, suffix))
    except zipfile.BadZipFile as exc:
        raise TableProblem(f"not a valid {suffix} file (a broken zip archive: {exc})") from None
    except (OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise TableProblem(f"not a valid {suffix} file ({exc})") from None


def _sizes(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_PARTS:
        raise TableProblem(f"refused: the archive has {len(infos)} parts (at most {MAX_PARTS})")
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        if size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES:
            raise TableProblem(
                f"refused: {info.filename} inflates to {size} bytes "
                f"(at most {MAX_PART_BYTES // 2**20} MiB a part, {MAX_TOTAL_BYTES // 2**20} in all)"
            )
        if size > RATIO_FROM and size > MAX_RATIO * max(info.compress_size, 1):
            raise TableProblem(
                f"refused: {info.filename} is compressed {size // max(info.compress_size, 1)} "
                f"times (a zip bomb? at most {MAX_RATIO})"
            )


def _inflate(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, scan: Callable[[bytes], None]
) -> None:
    """Read the part once (zipfile enforces its declared size and CRC), scanning its XML."""
    seen = 0
    with archive.open(info) as part:
        while chunk := part.read(_CHUNK):
            if seen == 0 and _DOCTYPE.search(chunk[:4096]):
                raise TableProblem(
                    f"refused: {info.filename} declares a document type (XML entities)"
                )
            seen += len(chunk)
            scan(chunk)
    scan(b"")  # the end


def _scanner(name: str, suffix: str) -> Callable[[bytes], None]:
    if suffix == ".xlsx" and re.fullmatch(r"xl/worksheets/[^/]+\.xml", name):
        return _XlsxExtent(name).feed
    if suffix == ".ods" and name == "content.xml":
        return _OdsExtent(name).feed
    return lambda chunk: None


def _too_big(name: str, rows: int, columns: int) -> None:
    if rows * columns > MAX_CELLS:
        raise TableProblem(
            f"refused: a sheet ({name}) spans {rows} rows x {columns} columns, more than "
            f"{MAX_CELLS} cells"
        )


class _XlsxExtent:
    """The last row and column any cell names (``<c r="XFD1048576">``). A cell without a
    reference sits after the one before it: when there are such cells, each counts as one
    more column and every row element as one more row (generous, and such files are rare)."""

    def __init__(self, name: str):
        self.name, self.tail = name, b""
        self.rows = self.columns = self.unreferenced = self.row_tags = 0

    def feed(self, chunk: bytes) -> None:
        data = self.tail + chunk
        cut = data.rfind(b"<") if chunk else len(data)
        cut = len(data) if cut < 0 else cut
        text, self.tail = data[:cut], data[cut:]
        if len(self.tail) > _MAX_TAIL:
            raise TableProblem(f"refused: {self.name} has an element longer than 8 MiB")
        refs = _CELL_REF.findall(text)
        if refs:
            self.rows = max(self.rows, *map(int, (r for _, r in refs)))
            letters = max({c for c, _ in refs}, key=lambda c: (len(c), c))
            self.columns = max(self.columns, _column_number(letters))
        self.unreferenced += max(0, len(_CELL_TAG.findall(text)) - len(refs))
        self.row_tags += len(_ROW_TAG.findall(text))
        if self.unreferenced:
            _too_big(self.name, self.rows + self.row_tags, self.columns + self.unreferenced)
        else:
            _too_big(self.name, self.rows, self.columns)


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters:
        number = number * 26 + byte - 64
    return number


_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_MAX_REPEAT = 1 << 31


class _OdsExtent:
    """ODS repeats rows and cells (``number-rows-repeated``): the extent counts the repeats
    up to the last non-empty cell, per table, with expat (no DTD: refused before)."""

    def __init__(self, name: str):
        self.name = name
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.row = self.rows = self.columns = self.column = self.row_repeat = 0
        self.row_filled = False
        self.cell_start = -1  # the column of the open cell, and its repeat
        self.cell_repeat = 1

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.Parse(chunk, not chunk)
        except expat.ExpatError as exc:
            raise TableProblem(f"not a valid .ods file ({self.name}: {exc})") from None

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == f"{_TABLE} table":
            self.row = 0
        elif tag == f"{_TABLE} table-row":
            self.row_repeat = _repeat(attrs.get(f"{_TABLE} number-rows-repeated"))
            self.column, self.row_filled = 0, False
        elif tag in (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"):
            self.cell_repeat = _repeat(attrs.get(f"{_TABLE} number-columns-repeated"))
            self.cell_start = self.column
            if f"{_OFFICE} value-type" in attrs:
                self._filled()
        elif self.cell_start >= 0:  # content inside a cell (text:p): not empty
            self._filled()

    def _filled(self) -> None:
        self.columns = max(self.columns, self.cell_start + self.cell_repeat)
        self.row_filled = True
        _too_big(self.name, self.row + self.row_repeat, self.columns)

    def _end(self, tag: str) -> None:
        if tag in (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"):
            self.column = self.cell_start + self.cell_repeat
            self.cell_start = -1
        elif tag == f"{_TABLE} table-row":
            if self.row_filled:
                self.rows = max(self.rows, self.row + self.row_repeat)
                _too_big(self.name, self.rows, self.columns)
            self.row += self.row_repeat


def _repeat(value: str | None) -> int:
    if value is None:
        return 1
    try:
        number = int(value)
    except ValueError:
        raise TableProblem(f"not a valid .ods file (a repeat count of {value!r})") from None
    if not 1 <= number <= _MAX_REPEAT:
        raise TableProblem(f"not a valid .ods file (a repeat count of {value})")
    return number
