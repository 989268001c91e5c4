"""Benchmark: ptsync against the fake PeerTube with realistic latency and PeerTube's rate limit.

    python bench/run.py [--sizes 100,1000,10000] [--apply-sizes 100] [--latency 0.03]

Not a test: it prints figures. The fake runs in this process; every ptsync step runs in a fresh
child process so its peak RSS is ptsync's alone. Rows: cold plan (empty cache), warm no-op plan
(cache from the cold run), the same two when the manifest also manages tags (one detail GET per
video, then cached), an apply of N updates (one PUT each), and the seed-script baseline that
PUTs every video and sleeps 1 s (measured for 10 videos, extrapolated to N).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ptsync.marker import Marker, compose_description
from ptsync.testing import FakePeerTube

USER, PASSWORD, SYSTEM = "bench", "bench-password", "bench"
WINDOW, LIMIT = 10.0, 50


def seed(fake: FakePeerTube, n: int) -> None:
    for i in range(n):
        marker = Marker(SYSTEM, f"v{i}")
        fake.add_video(
            USER,
            name=f"Video {i}",
            description=compose_description(marker, f"Description of video {i}."),
            tags=["archive", "bench"],
            category=15,
        )


def manifest(folder: Path, n: int, *, tags: bool, rename: bool = False) -> Path:
    lines = [f"apiVersion: ptsync/v1\nsystem: {SYSTEM}\nvideos:\n"]
    extra = "\n    tags: [archive, bench]" if tags else ""
    for i in range(n):
        name = f"Video {i} (renamed)" if rename else f"Video {i}"
        lines.append(
            f"  - id: v{i}\n    source: {{url: https://archive.example.org/v{i}.mp4}}\n"
            f"    name: {name}\n    privacy: Public\n    category: 15{extra}\n"
        )
    path = folder / f"m-{n}-{tags}-{rename}.yaml"
    path.write_text("".join(lines))
    return path


def child(task: dict[str, Any], queue: Any) -> None:
    """Run one ptsync step in a fresh process; report wall time and peak RSS."""
    os.environ.update(task["env"])
    from ptsync.workflow import Options, Run

    options = Options(env=os.environ, parallelism=4, use_cache=True, rate_limit=(LIMIT, WINDOW))
    started = time.perf_counter()
    with Run([task["manifest"]], options) as run:
        planned = run.plan()
        summary = planned[0].plan.summary
        if task["apply"]:
            run.apply(planned)
    wall = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"wall": wall, "rss_mb": rss, "update": summary.update})


def step(fake: FakePeerTube, env: dict[str, str], path: Path, *, apply: bool = False) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    fake.clear_requests()
    proc = ctx.Process(
        target=child, args=({"env": env, "manifest": str(path), "apply": apply}, queue)
    )
    proc.start()
    result = queue.get()
    proc.join()
    result["requests"] = fake.count()
    return result


def baseline(fake: FakePeerTube, latency: float, n: int) -> dict:
    """The seed script: list, then PUT every video with sleep(1); measured for 10 videos."""
    import requests

    sample = 10
    time.sleep(WINDOW + 0.5)  # a fresh rate-limit window, as for a script run on its own
    client = {"client_id": None}
    session = requests.Session()
    client.update(session.get(f"{fake.url}/api/v1/oauth-clients/local").json())
    token = session.post(
        f"{fake.url}/api/v1/users/token",
        data={**client, "grant_type": "password", "username": USER, "password": PASSWORD},
    ).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    videos = session.get(f"{fake.url}/api/v1/users/me/videos", params={"count": sample}).json()
    started = time.perf_counter()
    for video in videos["data"][:sample]:
        session.put(f"{fake.url}/api/v1/videos/{video['uuid']}", json={"name": video["name"]})
        time.sleep(1)
    per_video = (time.perf_counter() - started) / sample
    return {"wall": per_video * n, "requests": n + math.ceil(n / 100) + 2, "extrapolated": True}


def rate_floor(requests: int) -> float:
    """PeerTube counts in fixed windows: R requests need ceil(R/50) windows, waiting out all
    but the last."""
    return max(0, math.ceil(requests / LIMIT) - 1) * WINDOW


def row(label: str, n: int, got: dict, minimum: int) -> dict:
    floor = rate_floor(got["requests"])
    return {
        "scenario": label,
        "N": n,
        "requests": got["requests"],
        "minimum": minimum,
        "req_ratio": round(got["requests"] / minimum, 2) if minimum else None,
        "wall_s": round(got["wall"], 2),
        "rate_floor_s": round(floor, 1),
        "wall_ratio": round(got["wall"] / floor, 2) if floor else None,
        "rss_mb": round(got.get("rss_mb", 0), 1) or None,
        "note": "extrapolated" if got.get("extrapolated") else "",
    }


def estimate(requests: int) -> dict:
    return {"requests": requests, "wall": rate_floor(requests) * 1.02, "extrapolated": True}


def run_size(
    n: int, latency: float, apply_sizes: set[int], detail_sizes: set[int], folder: Path
) -> list[dict]:
    pages = math.ceil(n / 100)
    rows = []
    with FakePeerTube(rate_limit=(LIMIT, WINDOW), login_rate_limit=None) as fake:
        fake.add_user(USER, PASSWORD)
        seed(fake, n)
        fake.faults.latency = latency
        cache = tempfile.mkdtemp(prefix="ptsync-bench-")
        env = {
            "PEERTUBE_URL": fake.url,
            "PEERTUBE_USERNAME": USER,
            "PEERTUBE_PASSWORD": PASSWORD,
            "PTSYNC_CACHE_DIR": cache,
        }
        list_only = manifest(folder, n, tags=False)
        rows.append(row("cold plan (list fields)", n, step(fake, env, list_only), pages + 2))
        rows.append(row("warm no-op plan", n, step(fake, env, list_only), pages))
        with_tags = manifest(folder, n, tags=True)
        if n in detail_sizes:
            got = step(fake, env, with_tags)
            rows.append(row("cold plan (+tags: details)", n, got, pages + n))
            rows.append(row("warm plan (+tags, cached)", n, step(fake, env, with_tags), pages))
        else:
            rows.append(row("cold plan (+tags: details)", n, estimate(pages + n + 8), pages + n))
        if n in apply_sizes:
            renamed = manifest(folder, n, tags=False, rename=True)
            got = step(fake, env, renamed, apply=True)
            rows.append(row("apply N updates", n, got, pages + n))
        else:
            rows.append(row("apply N updates", n, estimate(pages + n), pages + n))
        rows.append(row("baseline: PUT + sleep(1)", n, baseline(fake, latency, n), pages + n))
    return rows


def load_time(n: int, folder: Path) -> float:
    from ptsync.manifest import load

    path = manifest(folder, n, tags=True)
    started = time.perf_counter()
    load([str(path)])
    return time.perf_counter() - started


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        out.append("| " + " | ".join("" if r[k] is None else str(r[k]) for k in keys) + " |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--apply-sizes", default="100")
    parser.add_argument("--detail-sizes", default="100")
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    apply_sizes = {int(s) for s in args.apply_sizes.split(",") if s}
    detail_sizes = {int(s) for s in args.detail_sizes.split(",") if s}
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in sizes:
            rows.extend(run_size(n, args.latency, apply_sizes, detail_sizes, folder))
            print(f"... N={n} done", file=sys.stderr, flush=True)
        seconds = load_time(10_000, folder)
    print(table(rows))
    print(f"\nManifest load + validation of 10 000 entries: {seconds:.2f} s")
    print(f"Latency per request: {args.latency * 1000:.0f} ms; rate limit {LIMIT}/{WINDOW:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "load_10000_s": seconds}, indent=2))


if __name__ == "__main__":
    main()
