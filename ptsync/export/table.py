"""``ptsync export --format csv|xlsx``: existing videos as a catalogue, and its manifest.

One row per video with the columns of the YAML export (``ptsync.export.entries``: the same
values, labels where unambiguous, only fields that differ from PeerTube's defaults, other cells
left empty), plus ``uuid`` and ``url`` (the watch page), which archives record in their own
system. Next to ``-o videos.csv`` goes ``videos.yaml`` (unless it exists): a manifest declaring
the catalogue with every column mapped and each row pinned by its uuid, and the system's
playlists, so ``ptsync plan`` of it says "No changes." Chapters, schedules and passwords have
no column: they stay unmanaged.

Cells are written so that a spreadsheet program never runs them (OWASP, "CSV injection"): in
CSV, text starting with ``= + - @``, a tab or a carriage return gets a leading ``'`` (which a
catalogue reader drops again, ``ptsync.manifest.catalogue.rows``), and every cell is quoted;
in XLSX such text is stored as a text cell, never as a formula. CSV is UTF-8 with a byte order
mark, so spreadsheet programs read its accents right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ptsync.export.entries import entry_for, other_owner
from ptsync.export.manifest import SCHEMA_COMMENT, dump, manifest_head, playlist_entries
from ptsync.plan.resources import LivePlaylist
from ptsync.state import LiveVideo, Vocabularies

COLUMNS = (
    "id",
    "uuid",
    "url",
    "name",
    "channel",
    "privacy",
    "category",
    "licence",
    "language",
    "originallyPublishedAt",
    "tags",
    "nsfw",
    "commentsPolicy",
    "downloadEnabled",
    "support",
    "description",
)
NOT_MAPPED = ("id", "url")  # the id is the catalogue's `id:`; the watch URL is for people
SHEET = "Videos"
TAG_SEPARATOR = "; "
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """CSV text a spreadsheet program shows as text, never evaluates."""
    return "'" + text if text.startswith(DANGEROUS) else text


def rows_of(
    videos: Iterable[LiveVideo], vocab: Vocabularies, *, system: str, with_channel: bool
) -> list[list[Any]]:
    """The header and one row per video of this system (or unowned), in COLUMNS order."""
    rows: list[list[Any]] = [list(COLUMNS)]
    for video in videos:
        if other_owner(video, system):
            continue
        entry = dict(entry_for(video, vocab, system, with_channel))
        entry["url"] = video.url
        rows.append([_cell(entry.get(column)) for column in COLUMNS])
    return rows


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return TAG_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, int):
        return value
    return str(value).rstrip("\n") if "\n" in str(value) else str(value)


def csv_text(rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    for row in rows:
        writer.writerow([neutralised(c) if isinstance(c, str) else c for c in row])
    return buffer.getvalue()


def write_csv(path: Path, rows: Sequence[Sequence[Any]]) -> None:
    path.write_text(csv_text(rows), encoding="utf-8-sig", newline="")


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> None:
    """With openpyxl (the sheets extra), text always as text cells (never a formula)."""
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
    except ImportError:
        from ptsync.errors import ConfigError

        raise ConfigError(
            "writing .xlsx needs the sheets extra: pip install 'ptsync[sheets]'"
        ) from None
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl reads "=..." as a formula otherwise
            cells.append(cell)
        sheet.append(cells)
    book.save(path)


def companion(
    table: Path,
    *,
    system: str,
    channel: str | None,
    instance_url: str,
    videos: Sequence[LiveVideo],
    playlists: Sequence[LivePlaylist],
    vocab: Vocabularies,
) -> str:
    """The manifest that declares ``table`` as its catalogue (every column mapped), with the
    system's ``playlists`` of the exported ``videos``."""
    mapped: dict[str, Any] = {c: c for c in COLUMNS if c not in NOT_MAPPED}
    mapped["tags"] = {"column": "tags", "split": TAG_SEPARATOR.strip()}
    catalogue: dict[str, Any] = {"file": table.name}
    if table.suffix == ".xlsx":
        catalogue["sheet"] = SHEET
    catalogue.update({"id": "id", "columns": mapped})
    doc = manifest_head(instance_url, system, channel)
    doc["catalogues"] = [catalogue]
    exported = [v for v in videos if not other_owner(v, system)]
    if playlists:
        doc["playlists"] = playlist_entries(playlists, exported, vocab, system)
    head = (
        f"{SCHEMA_COMMENT}# Exported by `ptsync export` from {instance_url}: {len(exported)} "
        f"video(s) in {table.name}, each pinned by the uuid in its row.\n"
    )
    return head + dump(doc)
