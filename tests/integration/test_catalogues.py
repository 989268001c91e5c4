"""Catalogues end to end over HTTP, on every profile: a CSV of URL imports and an XLSX of
uploads planned and applied, edited (a title, a removed row with --prune, a new row) and
re-planned to "No changes." after each apply; exported to CSV and XLSX and back; a media
folder uploaded; a warm no-op plan as cheap as the same entries written in YAML."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from tests.integration.conftest import marked_videos

MANIFEST = """\
apiVersion: ptsync/v1
system: {system}
defaults: {{channel: {channel}, privacy: Public}}
catalogues:
  - file: films.csv
    id: identifier
    source: {{url: media_url}}
    columns:
      name: title
      description: abstract
      tags: {{column: keywords, split: ";"}}
      originallyPublishedAt: date
      category: {{value: Education}}
  - file: uploads.xlsx
    sheet: Videos
    id: code
    source: {{file: path}}
    columns: {{name: Title, licence: Licence}}
playlists:
  - {{id: best, displayName: Best of the archive, privacy: Private, videos: [f2, u1]}}
"""
CSV_HEADER = "identifier,title,abstract,keywords,date,media_url\n"


def _csv_row(i: int, title: str | None = None) -> str:
    name = title or f"Film number {i}"
    return f'f{i},"{name}","Reel {i}, restored",archive;film,{1900 + i}-05-01,https://archive.example.org/f{i}.mp4\n'


def _xlsx(path: Path, rows: list[list[object]]) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Videos"
    book.active.append(["code", "Title", "path", "Licence"])
    for row in rows:
        book.active.append(row)
    book.save(path)


def _setup(tmp_path: Path, backend, films: range = range(1, 4)) -> Path:
    folder = tmp_path / "manifests"
    (folder / "media").mkdir(parents=True)
    for name in ("u1", "u2"):
        (folder / "media" / f"{name}.mp4").write_bytes(
            b"\x00\x00\x00\x18ftypmp42" + secrets.token_bytes(2048)
        )
    (folder / "films.csv").write_text(CSV_HEADER + "".join(_csv_row(i) for i in films))
    _xlsx(
        folder / "uploads.xlsx",
        [
            ["u1", "Upload one", "media/u1.mp4", "Attribution"],
            ["u2", "Upload two", "media/u2.mp4", None],
        ],
    )
    path = folder / "archive.yaml"
    path.write_text(MANIFEST.format(system=backend.system, channel=backend.channel))
    return path


def _converges(cli, path: Path, *extra: str) -> None:
    result = cli("apply", str(path), "--auto-approve", "--wait", *extra)
    assert result.code == 0, result.text
    result = cli("plan", str(path), "--detailed-exitcode", *extra)
    assert result.code == 0 and "No changes." in result.out, result.text


def test_csv_and_xlsx_catalogues_apply_edit_and_converge(backend, cli, tmp_path):
    path = _setup(tmp_path, backend)
    plan = json.loads(cli("plan", str(path), "--format", "json").out)["plans"][0]
    creates = {c["external_id"]: c for c in plan["changes"] if c["action"] == "create"}
    assert sorted(creates) == ["f1", "f2", "f3", "u1", "u2"]
    assert creates["f2"]["method"] == "import" and creates["u1"]["method"] == "upload"
    assert creates["f2"]["location"]["file"].endswith("manifests/films.csv")
    assert creates["f2"]["location"]["line"] == 3
    _converges(cli, path)
    if backend.fake is not None:
        videos = marked_videos(backend.fake, backend.system)
        assert sorted(videos) == ["f1", "f2", "f3", "u1", "u2"]
        assert videos["f2"]["name"] == "Film number 2" and sorted(videos["f2"]["tags"]) == [
            "archive",
            "film",
        ]
        assert videos["u1"]["name"] == "Upload one"

    folder = path.parent
    (folder / "films.csv").write_text(
        CSV_HEADER + _csv_row(1) + _csv_row(2, title="Film two, renamed") + _csv_row(3)
    )
    plan = cli("plan", str(path))
    assert "~ update f2" in plan.out and '"Film number 2" → "Film two, renamed"' in plan.out, (
        plan.out
    )
    _converges(cli, path)

    (folder / "films.csv").write_text(
        CSV_HEADER + _csv_row(1) + _csv_row(2, title="Film two, renamed") + _csv_row(4)
    )
    _xlsx(
        folder / "uploads.xlsx",
        [
            ["u1", "Upload one, edited", "media/u1.mp4", "Attribution"],
            ["u2", "Upload two", "media/u2.mp4", None],
        ],
    )
    plan = cli("plan", str(path), "--prune")
    assert "- delete f3" in plan.out and "+ create f4" in plan.out and "~ update u1" in plan.out, (
        plan.out
    )
    _converges(cli, path, "--prune")
    if backend.fake is not None:
        videos = marked_videos(backend.fake, backend.system)
        assert sorted(videos) == ["f1", "f2", "f4", "u1", "u2"]
        assert videos["u1"]["name"] == "Upload one, edited"


def test_a_videos_entry_curates_a_row_and_forget_writes_through_the_manifest(
    backend, cli, tmp_path
):
    path = _setup(tmp_path, backend, films=range(1, 3))
    path.write_text(
        path.read_text().replace(
            "playlists:\n  - {id: best, displayName: Best of the archive, privacy: Private, videos: [f2, u1]}\n",
            "",
        )
        + "videos:\n  - id: f1\n    name: Curated title\n"
    )
    _converges(cli, path)
    if backend.fake is not None:
        assert marked_videos(backend.fake, backend.system)["f1"]["name"] == "Curated title"
    result = cli("forget", "f2", "-m", str(path))
    assert result.code == 0, result.text
    assert '  - {id: "f2", lifecycle: unmanaged}\n' in path.read_text()
    assert "~ release f2" in cli("plan", str(path)).out
    _converges(cli, path)
    if backend.fake is not None:
        assert "f2" not in marked_videos(backend.fake, backend.system)


def test_adopt_marks_catalogue_videos_and_pins_only_curation_entries(backend, cli, tmp_path):
    fake = backend.fake
    if fake is None:
        pytest.skip("seeds the fake")
    for i in (1, 2):
        fake.add_video(backend.username, name=f"Film number {i}", privacy=1)
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "films.csv").write_text(CSV_HEADER + _csv_row(1) + _csv_row(2))
    path = folder / "archive.yaml"
    path.write_text(
        f"apiVersion: ptsync/v1\nsystem: {backend.system}\n"
        "catalogues:\n  - {file: films.csv, id: identifier, source: {url: media_url}, columns: {name: title}}\n"
        "videos:\n  - id: f2\n    allow_duplicate: false\n"
    )
    result = cli("adopt", str(path), "--auto-approve")
    assert result.code == 0, result.text
    assert sorted(marked_videos(fake, backend.system)) == ["f1", "f2"]
    text = path.read_text()
    assert text.count("uuid:") == 1 and "  - id: f2\n    uuid: " in text  # the row f1 adds no entry
    assert "No changes." in cli("plan", str(path)).out


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_to_a_catalogue_and_back_plans_no_changes(backend, cli, tmp_path, fmt):
    path = _setup(tmp_path, backend)
    _converges(cli, path)
    out = tmp_path / "export" / f"archive.{fmt}"
    out.parent.mkdir()
    result = cli("export", "--system", backend.system, "--format", fmt, "-o", str(out))
    assert result.code == 0, result.text
    exported = out.with_suffix(".yaml")
    result = cli("plan", str(exported), "--detailed-exitcode")
    assert result.code == 0 and "No changes." in result.out, result.text
    if fmt == "csv":
        rows = out.read_text(encoding="utf-8-sig").splitlines()
        assert rows[0].startswith('"id","uuid","url","name"')
        assert sum(1 for r in rows[1:] if r.startswith('"f') or r.startswith('"u')) >= 5


def test_csv_injection_is_neutralised_on_export_and_read_back_as_written(backend, cli, tmp_path):
    path = _setup(tmp_path, backend, films=range(1, 2))
    folder = path.parent
    (folder / "films.csv").write_text(
        CSV_HEADER + _csv_row(1, title="=HYPERLINK(x)") + _csv_row(2, title="-minus sign title")
    )
    _converges(cli, path)
    out = tmp_path / "export.csv"
    assert cli("export", "--system", backend.system, "--format", "csv", "-o", str(out)).code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert '"\'=HYPERLINK(x)"' in text and '"\'-minus sign title"' in text
    assert '"=HYPERLINK' not in text
    assert "No changes." in cli("plan", str(out.with_suffix(".yaml"))).out
    book = tmp_path / "export.xlsx"
    assert cli("export", "--system", backend.system, "--format", "xlsx", "-o", str(book)).code == 0
    cells = [c for row in openpyxl.load_workbook(book)["Videos"].iter_rows() for c in row]
    formula = [c for c in cells if c.value == "=HYPERLINK(x)"]
    assert formula and all(c.data_type == "s" for c in formula)  # text, not a formula


def test_a_media_folder_is_uploaded_with_its_sidecars(backend, cli, tmp_path):
    folder = tmp_path / "manifests" / "incoming"
    folder.mkdir(parents=True)
    for stem in ("talk", "harbour"):
        (folder / f"{stem}.mp4").write_bytes(
            b"\x00\x00\x00\x18ftypmp42" + secrets.token_bytes(2048)
        )
    (folder / "talk.yaml").write_text("name: A talk about archives\ntags: [archives]\n")
    (folder / "talk.en.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello\n")
    (folder / "harbour.nfo").write_text(
        "<movie><title>Harbour at dawn</title><plot>Boats.</plot></movie>"
    )
    path = tmp_path / "manifests" / "uploads.yaml"
    path.write_text(
        f"apiVersion: ptsync/v1\nsystem: {backend.system}\ndefaults: {{channel: {backend.channel}}}\nfolders:\n  - {{path: incoming/}}\n"
    )
    _converges(cli, path)
    if backend.fake is not None:
        videos = marked_videos(backend.fake, backend.system)
        assert videos["talk"]["name"] == "A talk about archives"
        assert videos["harbour"]["name"] == "Harbour at dawn"
        assert backend.fake.caption(videos["talk"]["uuid"], "en") is not None
    (folder / "talk.yaml").write_text("name: A talk about archives, renamed\ntags: [archives]\n")
    assert "~ update talk" in cli("plan", str(path)).out
    _converges(cli, path)


def test_a_warm_no_op_plan_costs_what_the_same_yaml_costs(backend, cli, tmp_path):
    fake = backend.fake
    if fake is None:
        pytest.skip("counts the fake's requests")
    from ptsync.marker import Marker, compose_description

    for i in range(1, 151):  # already synced: each carries its marker
        description = compose_description(Marker(backend.system, f"f{i}"), f"Reel {i}")
        fake.add_video(
            backend.username, name=f"Film number {i}", description=description, privacy=1
        )
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "films.csv").write_text(CSV_HEADER + "".join(_csv_row(i) for i in range(1, 151)))
    catalogue = folder / "catalogue.yaml"
    catalogue.write_text(
        f"apiVersion: ptsync/v1\nsystem: {backend.system}\n"
        "catalogues:\n  - file: films.csv\n    id: identifier\n    source: {url: media_url}\n"
        "    columns: {name: title, privacy: {value: Public}}\n"
    )
    yaml = tmp_path / "same.yaml"
    yaml.write_text(
        f"apiVersion: ptsync/v1\nsystem: {backend.system}\nvideos:\n"
        + "".join(
            f"  - {{id: f{i}, source: {{url: 'https://archive.example.org/f{i}.mp4'}}, name: Film number {i}, privacy: Public}}\n"
            for i in range(1, 151)
        )
    )
    costs = []
    for path in (catalogue, yaml):
        assert "No changes." in cli("plan", str(path)).out  # warms the caches
        fake.clear_requests()
        assert "No changes." in cli("plan", str(path)).out
        costs.append(Counter((r.method, r.path.split("?")[0]) for r in fake.requests))
    assert costs[0] == costs[1]
    # list pages, the account's playlists (owned ones missing from a manifest are noticed) and
    # the server's version (read on every plan)
    playlists = f"/api/v1/accounts/{backend.username}/video-playlists"
    assert costs[0] == Counter(
        {("GET", "/api/v1/users/me/videos"): 2, ("GET", playlists): 1, ("GET", "/api/v1/config"): 1}
    )


def test_a_saved_plan_goes_stale_when_the_catalogue_changes(backend, cli, tmp_path):
    path = _setup(tmp_path, backend, films=range(1, 3))
    saved = tmp_path / "plan.json"
    assert cli("plan", str(path), "--out", str(saved)).code == 0
    (path.parent / "films.csv").write_text(
        CSV_HEADER + _csv_row(1) + _csv_row(2, title="Changed after review")
    )
    result = cli("apply", str(saved), "--auto-approve")
    assert result.code == 4 and "stale" in result.text, result.text
    if backend.fake is not None:
        assert marked_videos(backend.fake, backend.system) == {}
