"""``ptsync export``: a manifest (or a catalogue and its manifest) for what already exists, so
that a first sync changes nothing.

    exported = export_manifest(Options(), channel=None, system="main")   # YAML text
    exported = export_table(Options(), fmt="csv", output=Path("videos.csv"), ...)

Both bind ``PEERTUBE_URL`` like a Run (``ptsync.session.connect_env``: the same credentials,
settings and cache keys), fetch every video with its details and chapters, and the playlists
the exported system owns (``ptsync.live.fetch``), and write them: ``ptsync.export.entries``
(one entry per video or playlist), ``ptsync.export.manifest`` (the YAML), and
``ptsync.export.table`` (CSV or XLSX, with the manifest declaring it). Every plan lists the
account's playlists and names owned ones a manifest lacks, so the export writes them too: a
plan of what it wrote says "No changes."
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ptsync.errors import ConfigError

if TYPE_CHECKING:
    from ptsync.options import Options
    from ptsync.plan.resources import LivePlaylist
    from ptsync.session import Connect
    from ptsync.state import LiveVideo, Vocabularies

Progress = Callable[[int, int], None]
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Exported:
    text: str | None  # the YAML manifest, or the CSV text when no file was given; else None
    videos: int  # videos exported
    foreign: int  # videos left out: another system's marker names their owner
    playlists: int  # playlists of the system exported
    manifest: Path | None = None  # the manifest written beside a catalogue (None: one existed)


def export_manifest(
    options: Options,
    *,
    channel: str | None,
    system: str,
    connect: Connect | None = None,
    on_progress: Progress | None = None,
) -> Exported:
    """The exported manifest's text (videos pinned by uuid, the system's playlists)."""
    from ptsync.export.entries import other_owner
    from ptsync.export.manifest import render_manifest

    found = _fetch(options, channel, system, connect, on_progress)
    text = render_manifest(
        found.videos,
        found.playlists,
        found.vocab,
        system=system,
        channel=channel,
        instance_url=found.url,
    )
    foreign = sum(1 for v in found.videos if other_owner(v, system))
    return Exported(text, len(found.videos) - foreign, foreign, len(found.playlists))


def export_table(
    options: Options,
    *,
    fmt: str,
    output: Path | None,
    channel: str | None,
    system: str,
    connect: Connect | None = None,
    on_progress: Progress | None = None,
) -> Exported:
    """Write the catalogue (``output``; without one, CSV text is returned) and, beside it,
    the manifest declaring it when none exists."""
    from ptsync.export import table

    _check_output(fmt, output)
    found = _fetch(options, channel, system, connect, on_progress)
    rows = table.rows_of(found.videos, found.vocab, system=system, with_channel=channel is None)
    count = len(rows) - 1
    foreign = len(found.videos) - count
    if output is None:
        return Exported(table.csv_text(rows), count, foreign, 0)
    output.parent.mkdir(parents=True, exist_ok=True)
    (table.write_xlsx if fmt == "xlsx" else table.write_csv)(output, rows)
    manifest = output.with_suffix(".yaml")
    if manifest.exists():
        return Exported(None, count, foreign, 0)
    text = table.companion(
        output,
        system=system,
        channel=channel,
        instance_url=found.url,
        videos=found.videos,
        playlists=found.playlists,
        vocab=found.vocab,
    )
    manifest.write_text(text, encoding="utf-8")
    return Exported(None, count, foreign, len(found.playlists), manifest)


def _check_output(fmt: str, output: Path | None) -> None:
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt}: a catalogue is one of {', '.join(FORMATS)}")
    if output is None and fmt == "xlsx":
        raise ConfigError("--format xlsx writes a file: give -o FILE.xlsx")
    if output is not None and output.suffix.lower() != f".{fmt}":
        raise ConfigError(f"--format {fmt} writes a .{fmt} file, not {output.name}")


@dataclass(frozen=True)
class _Found:
    videos: list[LiveVideo]
    playlists: list[LivePlaylist]
    vocab: Vocabularies
    url: str


def _fetch(
    options: Options,
    channel: str | None,
    system: str,
    connect: Connect | None,
    on_progress: Progress | None,
) -> _Found:
    """The videos (details and chapters), the system's playlists (of ``channel`` only, when
    given: the manifest's default channel would move the others), the vocabularies."""
    from ptsync.live.cache import VocabularyCache
    from ptsync.live.fetch import fetch_playlists, fetch_whole_videos
    from ptsync.live.vocab import load_vocabularies
    from ptsync.session import connect_env

    client, identity = connect_env(options, connect)
    with client:
        cache = VocabularyCache(client.base_url, identity, enabled=options.use_cache)
        vocab, _ = load_vocabularies(client, cache)
        if channel is not None and channel not in vocab.channels:
            vocab, _ = load_vocabularies(client, cache, refresh=True)
            if channel not in vocab.channels:
                yours = ", ".join(sorted(vocab.channels))
                raise ConfigError(f"--channel {channel!r} is not one of yours ({yours})")
        videos = fetch_whole_videos(client, channel, options.parallelism, on_progress)
        playlists = fetch_playlists(client, system, None, vocab.account)
    owned = [
        p
        for p in playlists
        if p.marker and p.marker.system == system and (channel is None or p.channel == channel)
    ]
    return _Found(videos, owned, vocab, client.base_url)
