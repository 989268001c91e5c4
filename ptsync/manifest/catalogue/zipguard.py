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
  dense reader counts them (from A1 to the last non-empty row and column), matching names
  as the reader does.

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
        return OdsExtent(name).feed
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


_MAX_REPEAT = 1 << 31
_TABLE, _ROW = "table:table", "table:table-row"
_TABLE_OR_ROW = frozenset({_TABLE, _ROW})
_CELLS = frozenset({"table:table-cell", "table:covered-table-cell"})
_ROWS_REPEATED, _COLUMNS_REPEATED = "table:number-rows-repeated", "table:number-columns-repeated"
# A cell with only these attributes holds no value; any other one (office:value-type,
# office:string-value, a formula, a foreign attribute) counts it as filled.
_EMPTY_CELL_ATTRIBUTES = frozenset(
    {
        "table:style-name",
        "table:content-validation-name",
        _COLUMNS_REPEATED,
        "table:number-columns-spanned",
        "table:number-rows-spanned",
    }
)


class OdsExtent:
    """ODS repeats rows and cells (``number-rows-repeated``): the extent counts the repeats
    up to the last filled cell, per table, with expat.

    Names are matched as written (``table:table-cell``), without namespace processing: the
    reader (calamine) matches them so, whatever namespace a file binds ``table:`` to. A cell
    is filled when it has any attribute but a style, a validation, a span or its repeat
    (calamine reads ``office:string-value`` without a value type), or any element inside it;
    the reader fills fewer. Tables, rows or cells nested in one another, and a document type
    anywhere, are refused. One Python call per element: the handlers are kept short."""

    def __init__(self, name: str):
        self.name = name
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.row = self.rows = self.columns = self.column = self.row_repeat = 0
        self.row_filled = False
        self.in_table = self.in_row = False
        self.cell_end = -1  # the open cell's end column (its start + repeat), else -1

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.Parse(chunk, not chunk)
        except expat.ExpatError as exc:
            raise TableProblem(f"not a valid .ods file ({self.name}: {exc})") from None

    def _doctype(self, *_: object) -> None:
        raise TableProblem(f"refused: {self.name} declares a document type (XML entities)")

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag in _CELLS:
            if self.cell_end >= 0:
                self._nested()
            repeat = _repeat(attrs[_COLUMNS_REPEATED]) if _COLUMNS_REPEATED in attrs else 1
            self.cell_end = end = self.column + repeat
            if attrs and not attrs.keys() <= _EMPTY_CELL_ATTRIBUTES:
                self.row_filled = True
                if end > self.columns:
                    self.columns = end
        elif self.cell_end >= 0:  # content inside a cell (text:p): not empty
            if tag in _TABLE_OR_ROW:
                self._nested()
            self.row_filled = True
            if self.cell_end > self.columns:
                self.columns = self.cell_end
        elif tag == _ROW:
            if self.in_row:
                self._nested()
            self.row_repeat = _repeat(attrs[_ROWS_REPEATED]) if _ROWS_REPEATED in attrs else 1
            self.column, self.row_filled, self.in_row = 0, False, True
        elif tag == _TABLE:
            if self.in_table:
                self._nested()
            self.in_table, self.row = True, 0

    def _nested(self) -> None:
        raise TableProblem(f"refused: {self.name} nests tables, rows or cells (not a sheet)")

    def _end(self, tag: str) -> None:
        if tag in _CELLS:
            self.column, self.cell_end = self.cell_end, -1
        elif tag == _ROW:
            if self.row_filled:
                self.rows = max(self.rows, self.row + self.row_repeat)
                _too_big(self.name, self.rows, self.columns)
            self.row += self.row_repeat
            self.in_row = False
        elif tag == _TABLE:
            self.in_table = False


def _repeat(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise TableProblem(f"not a valid .ods file (a repeat count of {value!r})") from None
    if not 1 <= number <= _MAX_REPEAT:
        raise TableProblem(f"not a valid .ods file (a repeat count of {value})")
    return number
