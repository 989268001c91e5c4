"""``ptsync export --format csv|xlsx``: the command's side of ``ptsync.export.table``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ptsync.cli.console import info, out, plural
from ptsync.errors import EXIT_OK, ConfigError


def export_catalogue(
    options: Any, fmt: str, output: Path | None, *, channel: str | None, system: str
) -> int:
    from ptsync.cli.progress import ProgressUI
    from ptsync.export.table import export_table

    if output is None and fmt == "xlsx":
        raise ConfigError("--format xlsx writes a file: give -o FILE.xlsx")
    if output is not None and output.suffix.lower() != f".{fmt}":
        raise ConfigError(f"--format {fmt} writes a .{fmt} file, not {output.name}")
    with ProgressUI() as ui:
        text, count, foreign, manifest = export_table(
            options,
            fmt=fmt,
            output=output,
            channel=channel,
            system=system,
            on_progress=lambda done, total: ui.items("videos", done, total),
        )
    if foreign:
        info(f"Left out {plural(foreign, 'video')} owned by another system's manifest")
    if text is not None:
        out(text.rstrip("\n"))
        return EXIT_OK
    info(f"Wrote {plural(count, 'video')} to {output}")
    if manifest is not None:
        info(f"Wrote {manifest}, which declares it; check it with: ptsync plan {manifest}")
    else:
        assert output is not None
        info(f"{output.with_suffix('.yaml')} exists: left as it is (its catalogues: name the file)")
    return EXIT_OK
