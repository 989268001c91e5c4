"""``ptsync export --format csv|xlsx``: existing videos as a catalogue, and its manifest.

One row per video with the columns of the YAML export (``ptsync.export.manifest``: the same values,
labels where unambiguous, only fields that differ from PeerTube's defaults, other cells left
empty), plus ``uuid`` and ``url`` (the watch page), which archives record in their own system.
Next to ``-o videos.csv`` goes ``videos.yaml`` (unless it exists): a manifest declaring the
catalogue with every column mapped and each row pinned by its uuid, so ``ptsync plan`` of it
says "No changes." Chapters, schedules and passwords have no column: they stay unmanaged.

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

from ruamel.yaml import YAML

from ptsync.export.manifest import SCHEMA_COMMENT, Progress, _owner, entry_for
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
        if _owner(video, system):
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
    table: Path, *, system: str, channel: str | None, instance_url: str, count: int
) -> str:
    """The manifest that declares ``table`` as its catalogue (every column mapped)."""
    mapped: dict[str, Any] = {c: c for c in COLUMNS if c not in NOT_MAPPED}
    mapped["tags"] = {"column": "tags", "split": TAG_SEPARATOR.strip()}
    catalogue: dict[str, Any] = {"file": table.name}
    if table.suffix == ".xlsx":
        catalogue["sheet"] = SHEET
    catalogue.update({"id": "id", "columns": mapped})
    doc: dict[str, Any] = {
        "apiVersion": "ptsync/v1",
        "instance": {"url": instance_url},
        "system": system,
    }
    if channel is not None:
        doc["defaults"] = {"channel": channel}
    doc["catalogues"] = [catalogue]
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    head = (
        f"{SCHEMA_COMMENT}# Exported by `ptsync export` from {instance_url}: {count} video(s) "
        f"in {table.name}, each pinned by the uuid in its row.\n"
    )
    return head + buffer.getvalue()


def export_table(
    options: Any,
    *,
    fmt: str,
    output: Path | None,
    channel: str | None,
    system: str,
    connect: Any = None,
    on_progress: Progress | None = None,
) -> tuple[str | None, int, int, Path | None]:
    """Write the catalogue (``output``; CSV text is returned when there is none) and, beside
    it, its manifest when none exists. Returns (CSV text or None, videos written, videos of
    other systems left out, the manifest written or None)."""
    from ptsync.export.manifest import fetch_with_vocabularies

    videos, vocab, base_url = fetch_with_vocabularies(options, channel, connect, on_progress)
    rows = rows_of(videos, vocab, system=system, with_channel=channel is None)
    count, foreign = len(rows) - 1, len(videos) - (len(rows) - 1)
    if output is None:
        return csv_text(rows), count, foreign, None
    output.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        write_xlsx(output, rows)
    else:
        write_csv(output, rows)
    manifest = output.with_suffix(".yaml")
    if manifest.exists():
        return None, count, foreign, None
    text = companion(output, system=system, channel=channel, instance_url=base_url, count=count)
    manifest.write_text(text, encoding="utf-8")
    return None, count, foreign, manifest
