"""Catalogue loading figures: a 20 000-row CSV, XLSX and ODS against the same entries in YAML.

    .venv/bin/python bench/catalogue.py [--rows 20000] [--runs 5]

Prints, for each source, the best and median time of ``ptsync.manifest.load`` in this process
(read, map, validate with the same models and checks as YAML, group: everything ``ptsync
validate`` does) and of a fresh ``ptsync validate`` process (interpreter start-up included).
The warm no-op plan's request count (list pages only, as for YAML) is asserted by
tests/integration/test_catalogues.py, not timed here. Wall-clock figures on a shared machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.manifest.sheetfiles import write_ods  # noqa: E402

HEADER = ["identifier", "title", "abstract", "keywords", "date", "media_url", "licence"]
DECLARATION = """\
apiVersion: ptsync/v1
system: archive
defaults: {{channel: archive_channel, privacy: Public}}
catalogues:
  - file: {file}
    id: identifier
    source: {{url: media_url}}
    columns:
      name: title
      description: abstract
      tags: {{column: keywords, split: ";"}}
      originallyPublishedAt: date
      licence: licence
      category: {{value: Education}}
"""


def rows(n: int) -> list[list[str]]:
    return [
        [
            f"nisv-{i:06d}",
            f"Reel {i}: harbour, polder and city",
            f"Restored reel {i} from the collection, digitised in 2024. " * 3,
            "archive;film;restored",
            f"{1950 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            f"https://archive.example.org/media/nisv-{i:06d}.mp4",
            "Attribution",
        ]
        for i in range(n)
    ]


def write_sources(folder: Path, n: int) -> dict[str, Path]:
    import csv

    import openpyxl

    data = rows(n)
    with (folder / "catalogue.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *data])
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Videos")
    for row in [HEADER, *data]:
        sheet.append(row)
    book.save(folder / "catalogue.xlsx")
    write_ods(folder / "catalogue.ods", "Videos", [HEADER, *data])
    out = {}
    for kind in ("csv", "xlsx", "ods"):
        path = folder / f"{kind}.yaml"
        path.write_text(DECLARATION.format(file=f"catalogue.{kind}"))
        out[kind] = path
    yaml = ["apiVersion: ptsync/v1\nsystem: archive\n", "defaults: {channel: archive_channel, privacy: Public}\nvideos:\n"]
    for ext_id, title, abstract, keywords, date, url, licence in data:
        tags = ", ".join(keywords.split(";"))
        yaml.append(
            f"  - id: {ext_id}\n    source: {{url: '{url}'}}\n    name: '{title}'\n"
            f"    description: '{abstract}'\n    tags: [{tags}]\n"
            f"    originallyPublishedAt: '{date}'\n    licence: {licence}\n    category: Education\n"
        )
    (folder / "yaml").mkdir()
    out["yaml"] = folder / "yaml" / "videos.yaml"
    out["yaml"].write_text("".join(yaml))
    return out


def time_load(path: Path, runs: int) -> list[float]:
    from ptsync.manifest import load

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        loaded = load([str(path)])
        times.append(time.perf_counter() - start)
    assert sum(len(g.videos) for g in loaded.groups) > 0
    return times


def time_validate(path: Path, runs: int) -> list[float]:
    command = [str(Path(sys.executable).parent / "ptsync"), "validate", str(path)]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sources = write_sources(Path(tmp), args.rows)
        sizes = {k: (p.parent / f"catalogue.{k}").stat().st_size for k, p in sources.items() if k != "yaml"}
        sizes["yaml"] = sources["yaml"].stat().st_size
        print(f"{args.rows} rows; best / median of {args.runs} runs, seconds\n")
        print("| source | file size | load() best | load() median | `ptsync validate` best | median |")
        print("|---|---|---|---|---|---|")
        for kind, path in sources.items():
            loads = time_load(path, args.runs)
            runs = time_validate(path, args.runs)
            print(
                f"| {kind} | {sizes[kind] / 2**20:.1f} MiB | {min(loads):.2f} | "
                f"{statistics.median(loads):.2f} | {min(runs):.2f} | {statistics.median(runs):.2f} |"
            )


if __name__ == "__main__":
    main()
