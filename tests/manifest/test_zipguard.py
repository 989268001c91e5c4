"""The .ods archive check (ptsync/manifest/catalogue/zipguard.py) against the reader it guards.

calamine allocates a sheet as a dense grid from the rows and cells it reads, repeats expanded.
The guard counts the extent first; what it counts must never be less than what calamine then
allocates. Generated sheets (repeats, empty, styled, covered and value-only cells, comments and
CDATA holding markup, row groups, several tables) are read by both and compared; hostile ones,
where a reader reads more than a naive count sees, are refused in one line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ptsync.manifest.catalogue.tables import TableProblem
from ptsync.manifest.catalogue.zipguard import OdsExtent, check_archive
from tests.manifest.sheetfiles import CONTENT, MANIFEST, MIMETYPE

python_calamine = pytest.importorskip("python_calamine")

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
HEAD, TAIL = CONTENT.split('<table:table table:name="{name}">{rows}</table:table>')


def write(path: Path, *tables: str, head: str = HEAD) -> Path:
    body = "".join(
        f'<table:table table:name="T{i}">{t}</table:table>' for i, t in enumerate(tables)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        out.writestr("META-INF/manifest.xml", MANIFEST)
        out.writestr("content.xml", head + body + TAIL)
    return path


def refusal(path: Path) -> str:
    with pytest.raises(TableProblem) as caught:
        check_archive(path, ".ods")
    return caught.value.message


VALUE = ' office:value-type="string"'
COMMENT = "<!-- </table:table-row> </table:table> -->"
cells = st.one_of(
    st.just(f"<table:table-cell{VALUE}><text:p>a 'quoted' &gt; text</text:p></table:table-cell>"),
    st.just('<table:table-cell office:value-type="float" office:value="2"/>'),
    st.just('<table:table-cell office:string-value="no type"/>'),
    st.just('<table:table-cell office:boolean-value="true"/>'),
    st.just('<table:table-cell table:formula="of:=[.A1]&gt;0" table:style-name="a>b"/>'),
    st.just("<table:table-cell/>"),
    st.just('<table:table-cell table:style-name="ce1" table:content-validation-name="v1"/>'),
    st.just("<table:table-cell></table:table-cell>"),
    st.just("<table:table-cell><text:p>no type</text:p></table:table-cell>"),
    st.just(f"<table:covered-table-cell{VALUE}><text:p>c</text:p></table:covered-table-cell>"),
    st.just(
        f"<table:table-cell{VALUE}><text:p><![CDATA[</table:table-row></table:table>]]>"
        "</text:p></table:table-cell>"
    ),
    st.just(f"<table:table-cell{VALUE}><text:p>a{COMMENT}b</text:p></table:table-cell>"),
    st.builds(
        lambda n, attr: f'<table:table-cell table:number-columns-repeated="{n}"{attr}/>',
        st.integers(1, 40),
        st.sampled_from(["", VALUE, ' office:string-value="s"', ' table:style-name="ce1"']),
    ),
)
between_rows = st.sampled_from(["", "", "\n  ", COMMENT])


@st.composite
def table(draw: st.DrawFn) -> str:
    out = []
    for _ in range(draw(st.integers(0, 10))):
        repeat = draw(st.sampled_from([None, None, 1, 2, 30]))
        attr = f' table:number-rows-repeated="{repeat}"' if repeat else ""
        row_cells = draw(st.lists(cells, max_size=8))
        after = draw(between_rows)  # between cells calamine refuses anything
        if not row_cells and draw(st.booleans()):
            out.append(f"<table:table-row{attr}/>{after}")
        else:
            out.append(f"<table:table-row{attr} >{''.join(row_cells)}</table:table-row >{after}")
    if out and draw(st.booleans()):  # a group of rows, as spreadsheet programs write them
        out = ["<table:table-row-group>", *out, "</table:table-row-group>"]
    return "".join(out)


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(table(), min_size=1, max_size=3))
def test_the_guard_counts_at_least_what_calamine_allocates(tmp_path, tables):
    path = write(tmp_path / "sheet.ods", *tables)
    check_archive(path, ".ods")  # none of these is refused
    with zipfile.ZipFile(path) as archive:
        content = archive.read("content.xml")
    extent = OdsExtent("content.xml")
    for at in range(0, len(content), 1000):  # in chunks, as the guard inflates it
        extent.feed(content[at : at + 1000])
    extent.feed(b"")
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        assert len(grid) <= extent.rows
        assert max(map(len, grid), default=0) <= extent.columns


BOMB = (  # one filled cell, 1 000 000 x 16 000 times: 16 billion cells
    '<table:table-row table:number-rows-repeated="1000000">'
    '<table:table-cell {} table:number-columns-repeated="16000"/></table:table-row>'
)
SPANS = "spans 1000000 rows x 16000 columns, more than 5000000 cells"


def test_a_value_without_a_type_fills_a_cell(tmp_path):
    """calamine reads office:string-value (or boolean-value) without office:value-type."""
    for attr in ('office:string-value="x"', 'office:boolean-value="true"', 'foo:bar="1"'):
        path = write(tmp_path / "bomb.ods", BOMB.format(attr))
        assert SPANS in refusal(path)


def test_names_are_counted_as_written_whatever_namespace_table_is_bound_to(tmp_path):
    """calamine matches ``table:table-row`` literally: rebinding the prefix must not hide the
    rows from the guard (a namespace-aware count saw no table at all)."""
    rebound = HEAD.replace(f'xmlns:table="{TABLE}"', f'xmlns:table="urn:x" xmlns:t="{TABLE}"')
    path = write(tmp_path / "rebound.ods", BOMB.format(VALUE), head=rebound)
    assert SPANS in refusal(path)


def test_what_a_reader_reads_otherwise_is_refused(tmp_path):
    filled = f"<table:table-cell{VALUE}><text:p>x</text:p></table:table-cell>"
    nested = {
        "table in a cell": f"<table:table-row><table:table-cell><table:table>"
        f"<table:table-row>{filled}</table:table-row></table:table></table:table-cell>"
        "</table:table-row>",
        "row in a row": f"<table:table-row><table:table-row>{filled}</table:table-row>"
        "</table:table-row>",
        "cell in a cell": f"<table:table-row><table:table-cell>{filled}</table:table-cell>"
        "</table:table-row>",
        "table between rows": f"<table:table-row>{filled}</table:table-row><table:table/>",
    }
    for body in nested.values():
        path = write(tmp_path / "nested.ods", body)
        assert refusal(path) == "refused: content.xml nests tables, rows or cells (not a sheet)"
    late_doctype = HEAD.replace(
        "<office:document-content",
        "<!--" + "x" * 8000 + '--><!DOCTYPE x [<!ENTITY a "b">]>\n<office:document-content',
    )
    assert refusal(write(tmp_path / "dtd.ods", "", head=late_doctype)) == (
        "refused: content.xml declares a document type (XML entities)"
    )
    quoted = f'<table:table-row><text:p a="</table:table-row>"/>{filled}</table:table-row>'
    assert refusal(write(tmp_path / "lt.ods", quoted)).startswith(
        "not a valid .ods file (content.xml: not well-formed"
    )
    for count, shown in (("many", "'many'"), ("0", "0"), (str(2**31 + 1), str(2**31 + 1))):
        path = write(tmp_path / "count.ods", BOMB.format(VALUE).replace("1000000", count))
        assert refusal(path) == f"not a valid .ods file (a repeat count of {shown})"


def test_what_spreadsheet_programs_write_for_empty_space_passes(tmp_path):
    """The empty rest of a sheet (styled, validated cells over whole columns, repeated to the
    last row) is no extent: only the filled rows and columns count."""
    filled = f"<table:table-cell{VALUE}><text:p>x</text:p></table:table-cell>"
    rest = (
        '<table:table-row table:style-name="ro1" table:number-rows-repeated="1048000">'
        '<table:table-cell table:style-name="ce1" table:content-validation-name="val1" '
        'table:number-columns-repeated="3"/><table:table-cell table:number-columns-repeated="1021"/>'
        "</table:table-row>"
    )
    path = write(tmp_path / "sheet.ods", f"<table:table-row>{filled * 3}</table:table-row>{rest}")
    check_archive(path, ".ods")  # no problem
    assert python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(
        0
    ).to_python() == [["x", "x", "x"]]
